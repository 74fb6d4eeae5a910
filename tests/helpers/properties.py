"""How many examples a property test tries: its full count is written in the test, and the profile says what share
of it runs. Locally a twentieth (the suite stays quick to run while changing code); under CI=true a quarter, which
fits the suite's five minutes; HYPOTHESIS_PROFILE=full runs every test at its full count (about two minutes more
on a quiet machine), for a change to the screening or planning engines. Hypothesis keeps the failing examples it
found (.hypothesis/) and tries them first the next time, whatever the share."""

from __future__ import annotations

import os

from hypothesis import settings

SHARES = {"dev": 0.05, "ci": 0.25, "full": 1.0}
PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI", "").lower() == "true" else "dev")
if PROFILE not in SHARES:
    raise RuntimeError(f"HYPOTHESIS_PROFILE={PROFILE!r}: use one of {', '.join(SHARES)}")
for _name, _share in SHARES.items():
    settings.register_profile(_name, max_examples=max(25, round(100 * _share)), deadline=None)
settings.load_profile(PROFILE)

# Below this, a property test is hardly a property test; a test whose full count is smaller runs it in full.
FEWEST = 25


def examples(full: int) -> int:
    """The number of examples to run for a test whose full count is ``full``."""
    return max(min(full, FEWEST), round(full * SHARES[PROFILE]))
