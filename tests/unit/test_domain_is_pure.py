"""The domain package imports neither Flask nor SQLAlchemy (ARCHITECTURE.md habit 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "clinic" / "domain"


def domain_modules() -> list[str]:
    """Every module in clinic/domain, as an import name."""
    return ["clinic.domain"] + [
        f"clinic.domain.{path.stem}" for path in sorted(DOMAIN.glob("*.py")) if path.stem != "__init__"
    ]


def test_the_domain_modules_include_protocols_and_rules():
    assert {"clinic.domain.protocols", "clinic.domain.rules"} <= set(domain_modules())


def test_importing_every_domain_module_loads_neither_flask_nor_sqlalchemy():
    code = (
        "import sys\n"
        f"import {', '.join(domain_modules())}\n"
        "web_stack = ('flask', 'sqlalchemy', 'werkzeug')\n"
        "web = sorted(name for name in sys.modules if name.split('.')[0] in web_stack)\n"
        "print(','.join(web))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
