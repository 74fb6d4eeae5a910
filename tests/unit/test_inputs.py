"""clinic.inputs: which characters single-line fields refuse and notes lose (SEC-25), the date range (REL-13)."""

from __future__ import annotations

import datetime as dt

import pytest

from clinic import inputs

HOSTILE = {
    "NUL": "\x00", "ESC": "\x1b", "CR": "\r", "LF": "\n", "TAB": "\t", "BEL": "\x07", "DEL": "\x7f",
    "C1 NEL": "\x85", "C1 CSI": "\x9b", "LRE": "\u202a", "RLE": "\u202b", "PDF": "\u202c", "LRO": "\u202d",
    "RLO": "\u202e", "LRI": "\u2066", "RLI": "\u2067", "FSI": "\u2068", "PDI": "\u2069", "LINE SEP": "\u2028",
}


@pytest.mark.parametrize("char", HOSTILE.values(), ids=HOSTILE.keys())
def test_sec25_a_single_line_value_with_a_control_or_bidi_character_is_refused(char):
    with pytest.raises(inputs.InputProblem, match="invisible control or text-direction character"):
        inputs.check_line(f"Ada{char}Okafor")


@pytest.mark.parametrize("name", ["Zoë Ångström", "O'Brien-Smith", "محمد", "אברהם", "李小龙", "Nguyễn Văn A"])
def test_sec25_real_names_in_any_script_pass_unchanged(name):
    assert inputs.check_line(name) == name


@pytest.mark.parametrize(("typed", "kept"), [
    ("Wrist\x00 fracture", "Wrist fracture"),
    ("line one\r\nline two\rline three", "line one\nline two\nline three"),
    ("col\tcol", "col\tcol"),
    ("\u202eevil\u202c text", "evil text"),
    ("\u2066isolated\u2069", "isolated"),
    ("bell\x07 esc\x1b[31m red", "bell esc[31m red"),
    ("c1\x85\x9b", "c1"),
    ("Arabic العربية stays", "Arabic العربية stays"),
])
def test_sec25_notes_keep_tab_and_newline_and_lose_other_control_and_bidi_characters(typed, kept):
    assert inputs.clean_notes(typed) == kept


@pytest.mark.parametrize(("day", "ok"), [
    (dt.date(1, 1, 1), False), (dt.date(1899, 12, 31), False), (dt.date(1900, 1, 1), True),
    (dt.date(2026, 3, 2), True), (dt.date(2200, 12, 31), True), (dt.date(2201, 1, 1), False),
    (dt.date(9999, 12, 31), False),
])
def test_rel13_dates_from_1900_to_2200_only(day, ok):
    assert inputs.date_in_range(day) is ok
    if not ok:
        with pytest.raises(inputs.InputProblem, match="between 1900 and 2200"):
            inputs.check_date(day)
