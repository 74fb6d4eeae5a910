"""`clinic screen` prints exactly the result the documentation shows for its worked example."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from clinic.config import ROOT
from clinic.console import main


def documented_example() -> tuple[dict, dict, dict]:
    text = (ROOT / "protocols" / "screening.md").read_text(encoding="utf-8")
    example = text.split("### Worked example", 1)[1]
    blocks = re.findall(r"```json\n(.*?)\n```", example, flags=re.S)
    answers, facts, result = (json.loads(b) for b in blocks[:3])
    return answers, facts, result


def test_clinic_screen_prints_the_documented_result(tmp_path):
    answers, facts, expected = documented_example()
    (tmp_path / "a.json").write_text(json.dumps(answers))
    (tmp_path / "f.json").write_text(json.dumps(facts))
    result = CliRunner().invoke(main, ["screen", "--answers", str(tmp_path / "a.json"),
                                       "--facts", str(tmp_path / "f.json"), "--on", "2026-03-11"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == expected
    # Changed on purpose: the bruise gate is local now (CLINICAL.md §2); diabetes "not known" leaves it unfinished.
    assert expected["decision"] == "incomplete"


def test_clinic_screen_without_facts_checks_the_general_questions_and_reports_unanswered(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"fever": "yes"}))
    result = CliRunner().invoke(main, ["screen", "--answers", str(tmp_path / "a.json"), "--on", "2026-03-11"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["decision"] == "defer" and "fever" in {f["rule_id"] for f in out["findings"]}
    assert out["unanswered"]


def test_clinic_screen_rejects_bad_json_with_a_message(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"fever": "perhaps"}))
    result = CliRunner().invoke(main, ["screen", "--answers", str(tmp_path / "a.json"), "--on", "2026-03-11"])
    assert result.exit_code != 0
    assert "fever" in result.output and "Traceback" not in result.output
