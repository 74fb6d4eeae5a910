"""The protocol library: shipped files load, broken files give exact messages, overrides and hashes."""

from __future__ import annotations

import copy
import datetime as dt
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic.domain.bodymap import REGIONS
from clinic.domain.protocols import (
    BODY_REGIONS,
    DataFileError,
    Library,
    check_report,
    illustration_ids_in,
    load_library,
    outline,
)
from clinic.domain.rules import MissingFact
from tests.helpers.illustrations import IDS as ILLUSTRATION_ID_LIST
from tests.helpers.properties import examples

ROOT = Path(__file__).resolve().parents[2]
PROTOCOLS = ROOT / "protocols"

MINI = Path(__file__).parent / "data" / "mini"
ILLUSTRATION_FOLDER = ROOT / "clinic" / "static" / "illustrations"

# The pictures drawn in clinic/static/illustrations/, listed once in their own test.
ILLUSTRATION_IDS = frozenset(ILLUSTRATION_ID_LIST)


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library([PROTOCOLS], set(ILLUSTRATION_IDS))


def _mini() -> tuple[dict, dict]:
    """Fresh copies of the small test library: (techniques, fracture protocol)."""
    techniques = yaml.safe_load((MINI / "techniques.yaml").read_text())
    protocol = yaml.safe_load((MINI / "fracture.yaml").read_text())
    return copy.deepcopy(techniques), copy.deepcopy(protocol)


def _write(folder: Path, techniques: dict | None = None, **protocols: dict | str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if techniques is not None:
        (folder / "techniques.yaml").write_text(yaml.safe_dump(techniques, sort_keys=False))
    for name, data in protocols.items():
        text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
        (folder / f"{name}.yaml").write_text(text)
    return folder


def _problems(folders: list[Path], base: Path) -> list[str]:
    """The loader's problems, with the temporary folder taken off the front of each file name."""
    with pytest.raises(DataFileError) as caught:
        load_library(folders, set(ILLUSTRATION_IDS))
    return [problem.replace(f"{base}/", "") for problem in caught.value.problems]


# --------------------------------------------------------------------------------- shipped files


def test_every_shipped_protocol_loads(library):
    assert sorted(library.protocols) == ["arthritis", "bruise", "fracture", "stroke", "tendinitis"]


def test_check_report_of_shipped_files_is_all_ok():
    lines, ok = check_report([PROTOCOLS], set(ILLUSTRATION_IDS))
    assert ok
    assert all(line.endswith("ok") for line in lines), lines


def test_every_stage_names_a_source_listed_in_its_file(library):
    for protocol in library.protocols.values():
        listed = {source.id for source in protocol.sources}
        for stage in protocol.stages:
            assert stage.sources, (protocol.id, stage.id)
            assert set(stage.sources) <= listed


def test_every_home_exercise_has_a_known_picture_and_steps(library):
    for protocol in library.protocols.values():
        for stage in protocol.stages:
            for exercise in stage.home:
                assert exercise.illustration in ILLUSTRATION_IDS
                assert exercise.steps and exercise.title
                assert exercise.dose.times_per_day >= 1


def test_every_technique_use_names_body_regions_from_the_vocabulary(library):
    for protocol in library.protocols.values():
        for stage in protocol.stages:
            for item in (*stage.clinic, *stage.home):
                assert item.regions and set(item.regions) <= set(BODY_REGIONS), (protocol.id, item.ref)


def test_both_seed_sequences_are_in_the_library(library):
    stimulating = library.sequence("stimulating_massage")
    self_massage = library.sequence("hand_self_massage")
    assert stimulating.done_in == "clinic" and len(stimulating.steps) == 12
    assert self_massage.done_in == "home" and self_massage.illustration == "hands-rub-soap"
    assert [library.technique(step.technique).illustration for step in self_massage.steps] == [
        "hands-rub-soap",
        "fist-fast-open-slow",
        "fist-slow-fan-fast",
        "finger-tip-to-base",
        "palm-knead-lines",
        "wrist-circles",
        "cream-rub-in",
    ]


def test_every_picture_used_is_drawn_when_the_illustration_folder_exists(library):
    if not ILLUSTRATION_FOLDER.is_dir():
        pytest.skip("clinic/static/illustrations is not there yet")
    drawn = illustration_ids_in(ILLUSTRATION_FOLDER)
    used = {t.illustration for t in library.techniques.values() if t.illustration}
    assert used - drawn == set()


CASE_FACTS = [
    ("stroke", "stroke_date", "date", ()),
    ("stroke", "stroke_type", "choice", ("ischaemic", "haemorrhagic", "not_known")),
    ("stroke", "affected_side", "side", ("left", "right", "both")),
    ("stroke", "medically_stable_date", "date", ()),
    ("stroke", "cleared_by", "text", ()),
    ("fracture", "fracture_date", "date", ()),
    ("fracture", "bone", "choice", ("distal_radius", "scaphoid", "metacarpal", "finger_phalanx", "other")),
    ("fracture", "affected_side", "side", ("left", "right", "both")),
    ("fracture", "treatment", "choice", ("cast_or_splint", "surgery")),
    ("fracture", "cast_removal_date", "planned_date", ()),
    ("fracture", "healing_confirmed_date", "date", ()),
    ("fracture", "broken_finger", "choice", ("thumb", "index", "middle", "ring", "little")),
    (
        "fracture",
        "cast_holds",
        "choice",
        ("forearm_and_wrist", "forearm_wrist_and_thumb", "neighbour_finger", "neighbour_finger_and_wrist",
         "above_elbow", "nothing_else"),
    ),
    (
        "tendinitis",
        "tendon_area",
        "choice",
        ("thumb_side_wrist", "wrist_extensors", "wrist_flexors", "finger_flexors", "other"),
    ),
    ("tendinitis", "affected_side", "side", ("left", "right", "both")),
    ("tendinitis", "onset_date", "date", ()),
    ("tendinitis", "acute_over_date", "date", ()),
    ("arthritis", "arthritis_type", "choice", ("inflammatory_arthritis", "osteoarthritis")),
    ("arthritis", "affected_side", "side", ("left", "right", "both")),
    ("arthritis", "joints", "text", ()),
    ("arthritis", "flare_settled_date", "date", ()),
    ("bruise", "injury_date", "date", ()),
    ("bruise", "bruise_area", "choice", ("fingers", "hand", "wrist", "forearm")),
    ("bruise", "affected_side", "side", ("left", "right", "both")),
    ("bruise", "vessel_or_muscle_damage", "choice", ("yes", "no", "not_known")),
    ("bruise", "swelling_pain_gone_date", "date", ()),
]


@pytest.mark.parametrize(("protocol_id", "name", "fact_type", "values"), CASE_FACTS)
def test_case_facts_match_the_contract_with_the_other_modules(library, protocol_id, name, fact_type, values):
    fact = library.protocol(protocol_id).fact(name)
    assert fact.type == fact_type
    assert fact.values == values


@pytest.mark.parametrize(
    ("protocol_id", "optional"),
    [
        ("stroke", set()),
        # Which finger and what the cast holds (issue 12) are asked only when they apply.
        ("fracture", {"healing_confirmed_date", "broken_finger", "cast_holds"}),
        ("tendinitis", {"acute_over_date"}),
        ("arthritis", {"flare_settled_date"}),
        ("bruise", {"swelling_pain_gone_date"}),
    ],
)
def test_only_the_agreed_facts_are_optional(library, protocol_id, optional):
    protocol = library.protocol(protocol_id)
    assert {fact.name for fact in protocol.facts if not fact.required} == optional
    assert {fact.name for fact in protocol.facts} == {row[1] for row in CASE_FACTS if row[0] == protocol_id}


STROKE = {"stroke_date": dt.date(2026, 3, 1), "medically_stable_date": dt.date(2026, 3, 2)}


@pytest.mark.parametrize(
    ("stroke_type", "earliest"),
    [
        ("ischaemic", dt.date(2026, 3, 3)),
        ("haemorrhagic", dt.date(2026, 3, 8)),
        ("not_known", dt.date(2026, 3, 8)),
    ],
)
def test_stroke_early_stage_starts_by_stroke_type(library, stroke_type, earliest):
    stage = library.protocol("stroke").stage("early")
    assert stage.starts.earliest({**STROKE, "stroke_type": stroke_type}) == earliest


def test_stroke_early_stage_waits_for_medical_clearance(library):
    stage = library.protocol("stroke").stage("early")
    facts = {**STROKE, "stroke_type": "ischaemic", "medically_stable_date": dt.date(2026, 3, 10)}
    assert stage.starts.earliest(facts) == dt.date(2026, 3, 10)
    with pytest.raises(MissingFact) as missing:
        stage.starts.earliest({"stroke_date": dt.date(2026, 3, 1), "stroke_type": "ischaemic"})
    assert missing.value.fact == "medically_stable_date"


def test_every_stroke_stage_carries_the_emergency_signs_and_ambulance(library):
    for stage in library.protocol("stroke").stages:
        emergency = [group for group in stage.stop_and_call if group.emergency]
        assert emergency and "ambulance" in emergency[0].action
        signs = " ".join(emergency[0].signs).lower()
        for word in ("face", "arm", "speech", "headache"):
            assert word in signs


def test_fracture_site_is_never_massaged_in_the_cast(library):
    stage = library.protocol("fracture").stage("in_cast")
    assert any("Never massage the fracture site" in p for p in stage.precautions)
    touched = {region for use in stage.clinic for region in use.regions}
    assert touched.isdisjoint({"fingers", "thumb", "palm", "back_of_hand", "wrist", "forearm"})


def test_fracture_strengthening_needs_confirmed_healing(library):
    stage = library.protocol("fracture").stage("strengthening")
    facts = {"fracture_date": dt.date(2026, 1, 5), "cast_removal_date": dt.date(2026, 2, 16)}
    with pytest.raises(MissingFact) as missing:
        stage.starts.earliest(facts)
    assert missing.value.fact == "healing_confirmed_date"
    assert stage.starts.earliest({**facts, "healing_confirmed_date": dt.date(2026, 3, 2)}) == dt.date(
        2026, 3, 2
    )


def test_tendinitis_has_no_massage_while_acute_and_uses_the_pain_rule_when_loading(library):
    protocol = library.protocol("tendinitis")
    assert protocol.stage("acute").clinic == ()
    for stage_id in ("settling", "loading"):
        assert any("3 out of 10" in p and "Above 5" in p for p in protocol.stage(stage_id).precautions)
        assert any("next morning" in p for p in protocol.stage(stage_id).precautions)


@pytest.mark.parametrize(
    ("arthritis_type", "stages"),
    [
        ("inflammatory_arthritis", ["after_flare_arthritis", "self_care"]),
        ("osteoarthritis", ["mobility_osteoarthritis", "self_care"]),
    ],
)
def test_arthritis_stages_follow_the_type(library, arthritis_type, stages):
    protocol = library.protocol("arthritis")
    facts = {"arthritis_type": arthritis_type}
    assert [stage.id for stage in protocol.stages if stage.applies_to(facts)] == stages


def test_arthritis_stage_choice_fails_closed_without_the_type(library):
    with pytest.raises(MissingFact):
        library.protocol("arthritis").stages[0].applies_to({})


def test_bruise_is_not_massaged_before_day_two_nor_directly_before_swelling_has_gone(library):
    protocol = library.protocol("bruise")
    facts = {"injury_date": dt.date(2026, 5, 1)}
    assert protocol.stage("preparatory").starts.earliest(facts) == dt.date(2026, 5, 3)
    with pytest.raises(MissingFact):
        protocol.stage("direct").starts.earliest(facts)


def test_the_worked_example_in_the_readme_loads(tmp_path):
    readme = (PROTOCOLS / "README.md").read_text()
    example = readme.split("## A worked example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    folder = tmp_path / "protocols"
    shutil.copytree(PROTOCOLS, folder)
    (folder / "wrist_sprain.yaml").write_text(example)
    protocol = load_library([folder], set(ILLUSTRATION_IDS)).protocol("wrist_sprain")
    assert [stage.id for stage in protocol.stages] == ["protect", "move"]
    assert protocol.stage("move").starts.earliest({"injury_date": dt.date(2026, 4, 1)}) == dt.date(2026, 4, 4)


@pytest.mark.parametrize(("damage", "stages"), [("no", 4), ("yes", 0), ("not_known", 0)])
def test_bruise_stages_apply_only_when_vessels_and_muscles_are_not_damaged(library, damage, stages):
    protocol = library.protocol("bruise")
    facts = {"vessel_or_muscle_damage": damage}
    assert len([stage for stage in protocol.stages if stage.applies_to(facts)]) == stages


# --------------------------------------------------------------------------------- broken files


def _set(path: str, value):
    """A mutation that sets a value at a dotted path like 'stages.1.home.0.dose.repetitions'."""

    def mutate(data: dict) -> None:
        *parents, last = path.split(".")
        for key in parents:
            data = data[int(key)] if key.isdigit() else data[key]
        data[int(last) if last.isdigit() else last] = value

    return mutate


def _rename(path: str, new_key: str):
    def mutate(data: dict) -> None:
        *parents, last = path.split(".")
        for key in parents:
            data = data[int(key)] if key.isdigit() else data[key]
        data[new_key] = data.pop(last)

    return mutate


def _all(*mutations):
    def mutate(data: dict) -> None:
        for mutation in mutations:
            mutation(data)

    return mutate


BROKEN_PROTOCOLS = [
    pytest.param(
        _set("stages.1.home.0.dose.repetitions", "ten"),
        ['fracture.yaml: stages[1].home[0].dose.repetitions: expected a whole number, got "ten"'],
        id="wrong-type",
    ),
    pytest.param(
        _set("stages.0.home.0.dose.times_per_day", 0),
        ["fracture.yaml: stages[0].home[0].dose.times_per_day: expected a whole number from 1 to 12, got 0"],
        id="dose-out-of-range",
    ),
    pytest.param(
        _rename("stages.0.title", "titel"),
        [
            "fracture.yaml: stages[0].titel: unknown key; did you mean 'title'?",
            "fracture.yaml: stages[0].title: missing; expected the title therapists read",
        ],
        id="unknown-key",
    ),
    pytest.param(
        _set("stages.1.clinic.0.technique", "strokin"),
        [
            "fracture.yaml: stages[1].clinic[0].technique: "
            "unknown technique \"strokin\"; did you mean 'stroking'?"
        ],
        id="dangling-technique",
    ),
    pytest.param(
        _set("stages.0.clinic.0.technique", "piano_taps"),
        [
            "fracture.yaml: stages[0].clinic[0].technique: "
            "'piano_taps' is a home technique; the clinic list needs a clinic one"
        ],
        id="home-technique-in-clinic",
    ),
    pytest.param(
        _set("stages.0.home.0.illustration", "fist-fast-open-slw"),
        [
            'fracture.yaml: stages[0].home[0].illustration: unknown illustration "fist-fast-open-slw"; '
            "did you mean 'fist-fast-open-slow'?"
        ],
        id="dangling-illustration",
    ),
    pytest.param(
        _set("stages.1.starts.1.after.fact", "cast_off_date"),
        [
            'fracture.yaml: stages[1].starts[1].after.fact: unknown date fact "cast_off_date"; '
            "expected one of: fracture_date, cast_removal_date"
        ],
        id="dangling-fact-in-start-rule",
    ),
    pytest.param(
        _set("stages.1.starts.0.after.days", {"by": "treatment", "cast_or_splint": 28}),
        ["fracture.yaml: stages[1].starts[0].after.days: missing the number of days for treatment = surgery"],
        id="days-table-misses-an-answer",
    ),
    pytest.param(
        _set("stages.0.starts.0.after.days", -3),
        [
            "fracture.yaml: stages[0].starts[0].after.days: "
            "expected a whole number of days from 0 to 3650, got -3"
        ],
        id="negative-days",
    ),
    pytest.param(
        _all(
            _set("stages.0.starts", [{"after": {"fact": "cast_removal_date", "days": 7}}]),
            _set("stages.1.starts", [{"after": {"fact": "cast_removal_date", "days": 2}}]),
        ),
        [
            "fracture.yaml: stages[1].starts: starts at cast_removal_date + 2 days, before stage 'in_cast' "
            "(at least cast_removal_date + 7 days); a stage cannot start before the one before it"
        ],
        id="impossible-timing",
    ),
    pytest.param(
        _set("stages.0.starts", [{"confirm": "The doctor agrees."}]),
        [
            "fracture.yaml: stages[0].starts: "
            "needs at least one 'after' term, so the stage has an earliest date"
        ],
        id="stage-without-a-date",
    ),
    pytest.param(
        _set("stages.1.sources", ["seed", "nice"]),
        [
            'fracture.yaml: stages[1].sources[1]: unknown source "nice"; '
            "list it under 'sources' at the top of the file"
        ],
        id="dangling-source",
    ),
    pytest.param(
        _set("facts.1.options", {"cast_or_splint": "Cast", False: "No treatment"}),
        [
            "fracture.yaml: facts[1].options.False: expected an id of lower-case letters, digits and "
            "underscores, got false (YAML reads yes, no, on and off as true or false: "
            'put the word in quotes, like "no")'
        ],
        id="yaml-reads-no-as-false",
    ),
    pytest.param(
        _all(
            _set("version", "one"),
            _set("stages.0.clinic.0.dose.pressure", "hard"),
            _set("stages.1.home.1.sequence", "warmup"),
            _set("stages.1.goals", []),
        ),
        [
            'fracture.yaml: version: expected a whole number, got "one"',
            "fracture.yaml: stages[0].clinic[0].dose.pressure: expected one of very_light, light, moderate, "
            'firm; got "hard"',
            "fracture.yaml: stages[1].goals: "
            "expected a list of sentences (lines starting with '- '), got an empty list",
            "fracture.yaml: stages[1].home[1].sequence: unknown sequence \"warmup\"; did you mean 'warm_up'?",
        ],
        id="several-errors-at-once",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), BROKEN_PROTOCOLS)
def test_broken_protocol_gives_exact_messages(tmp_path, mutate, expected):
    techniques, protocol = _mini()
    mutate(protocol)
    folder = _write(tmp_path / "protocols", techniques, fracture=protocol)
    assert _problems([folder], tmp_path) == [
        line.replace("fracture.yaml", "protocols/fracture.yaml") for line in expected
    ]


def test_unknown_key_names_file_and_path(tmp_path):
    techniques, protocol = _mini()
    protocol["stages"][1]["home"][0]["colour"] = "blue"
    folder = _write(tmp_path / "p", techniques, fracture=protocol)
    [problem] = _problems([folder], tmp_path)
    assert problem.startswith(
        "p/fracture.yaml: stages[1].home[0].colour: unknown key; expected one of: dose, "
    )


BROKEN_TECHNIQUES = [
    pytest.param(
        _set("techniques.3.kind", "home"),
        [
            "techniques.yaml: techniques[3].kind: kind now names the kind of item (touch, passive_movement, "
            "active_movement, load, position, heat_water, education); write done_in: home for who does it",
            "fracture.yaml: stages[1].home[0].technique: 'piano_taps' could not be read; "
            "see the problems in techniques.yaml",
        ],
        id="old-kind-clinic-or-home",
    ),
    pytest.param(
        _set("techniques.3.kind", "grip"),
        [
            "techniques.yaml: techniques[3].kind: expected one of touch, passive_movement, active_movement, load, "
            'position, heat_water, education; got "grip"',
            "fracture.yaml: stages[1].home[0].technique: 'piano_taps' could not be read; "
            "see the problems in techniques.yaml",
        ],
        id="unknown-item-kind",
    ),
    pytest.param(
        _set("techniques.2.illustration", "fist-fast-open-slw"),
        [
            'techniques.yaml: techniques[2].illustration: unknown illustration "fist-fast-open-slw"; '
            "did you mean 'fist-fast-open-slow'?",
            "fracture.yaml: stages[0].home[0].technique: 'fist_fast_open_slow' could not be read; "
            "see the problems in techniques.yaml",
        ],
        id="dangling-illustration-in-library",
    ),
    pytest.param(
        _set("techniques.3.regions", ["hands"]),
        [
            # Every region of the body map is allowed now, down to each finger joint (issue 12).
            f"techniques.yaml: techniques[3].regions[0]: expected a body region: one of {', '.join(REGIONS)}; "
            'got "hands"',
            "fracture.yaml: stages[1].home[0].technique: 'piano_taps' could not be read; "
            "see the problems in techniques.yaml",
        ],
        id="unknown-body-region",
    ),
    pytest.param(
        _set("sequences.0.steps.1.technique", "stroking"),
        [
            "techniques.yaml: sequences[0].steps[1].technique: "
            "'stroking' is a clinic technique; a home sequence needs home techniques",
            "fracture.yaml: stages[1].home[1].sequence: 'warm_up' could not be read; "
            "see the problems in techniques.yaml",
        ],
        id="clinic-technique-in-home-sequence",
    ),
    pytest.param(
        _set("techniques.1.id", "stroking"),
        [
            "techniques.yaml: techniques[1].id: technique 'stroking' is defined twice; choose another id",
            'fracture.yaml: stages[0].clinic[0].technique: unknown technique "neck_shoulder_massage"',
        ],
        id="technique-defined-twice",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), BROKEN_TECHNIQUES)
def test_broken_technique_library_gives_exact_messages(tmp_path, mutate, expected):
    techniques, protocol = _mini()
    mutate(techniques)
    _write(tmp_path, techniques, fracture=protocol)
    assert _problems([tmp_path], tmp_path) == expected


BROKEN_TEXT = [
    pytest.param(
        "version: 1\ntitle: [unclosed\n",
        ["fracture.yaml: line 3, column 1: not valid YAML: expected ',' or ']', but got '<stream end>'"],
        id="yaml-syntax",
    ),
    pytest.param(
        "version: 1\nversion: 2\n",
        [
            "fracture.yaml: line 2: the key 'version' is written twice in the same place; keep one",
        ],
        id="key-written-twice",
    ),
    pytest.param(
        "- just\n- a list\n",
        ["fracture.yaml: expected a mapping (key: value lines), got a list"],
        id="not-a-mapping",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BROKEN_TEXT)
def test_unreadable_file_gives_exact_message(tmp_path, text, expected):
    techniques, _ = _mini()
    _write(tmp_path, techniques, fracture=text)
    assert _problems([tmp_path], tmp_path) == expected


def test_every_problem_of_every_file_is_reported_together(tmp_path):
    techniques, protocol = _mini()
    protocol["version"] = 0
    other = copy.deepcopy(protocol)
    other["stages"][0]["goals"] = "keep moving"
    _write(tmp_path, techniques, fracture=protocol, wrist=other)
    assert _problems([tmp_path], tmp_path) == [
        "fracture.yaml: version: expected a whole number from 1 to 100000, got 0",
        "wrist.yaml: version: expected a whole number from 1 to 100000, got 0",
        "wrist.yaml: stages[0].goals: expected a list of sentences (lines starting with '- '), "
        'got "keep moving"',
    ]


def test_a_yml_file_is_not_silently_ignored(tmp_path):
    techniques, protocol = _mini()
    _write(tmp_path, techniques, fracture=protocol)
    (tmp_path / "wrist.yml").write_text("version: 1\n")
    assert _problems([tmp_path], tmp_path) == [
        "wrist.yml: protocol files end in .yaml; rename it to wrist.yaml"
    ]


def test_a_missing_folder_is_a_problem(tmp_path):
    assert _problems([tmp_path / "nowhere"], tmp_path) == ["nowhere: folder not found"]


def test_contraindications_file_is_left_to_the_screening_module(tmp_path):
    techniques, protocol = _mini()
    _write(tmp_path, techniques, fracture=protocol)
    (tmp_path / "contraindications.yaml").write_text("anything: [the screening module reads this]\n")
    assert sorted(load_library([tmp_path], set(ILLUSTRATION_IDS)).protocols) == ["fracture"]


# --------------------------------------------------------------------------------- clinic folders


def test_clinic_file_with_a_higher_version_replaces_ours(tmp_path):
    techniques, protocol = _mini()
    ours = _write(tmp_path / "ours", techniques, fracture=protocol)
    theirs_protocol = copy.deepcopy(protocol)
    theirs_protocol["version"] = 2
    theirs_protocol["title"] = "Fracture, our clinic's way"
    theirs = _write(tmp_path / "theirs", None, fracture=theirs_protocol)
    library = load_library([ours, theirs], set(ILLUSTRATION_IDS))
    assert library.protocol("fracture").version == 2
    assert library.protocol("fracture").title == "Fracture, our clinic's way"
    assert library.protocol("fracture").file == str(theirs / "fracture.yaml")


@pytest.mark.parametrize("version", [1, 0])
def test_clinic_file_with_the_same_or_a_lower_version_is_an_error(tmp_path, version):
    techniques, protocol = _mini()
    ours = _write(tmp_path / "ours", techniques, fracture=protocol)
    theirs_protocol = copy.deepcopy(protocol)
    theirs_protocol["version"] = version
    theirs = _write(tmp_path / "theirs", None, fracture=theirs_protocol)
    problems = _problems([ours, theirs], tmp_path)
    if version == 1:
        assert problems == [
            "theirs/fracture.yaml: version: 1 does not replace ours/fracture.yaml (version 1); "
            "a clinic file with the same name must have a higher version"
        ]
    else:
        assert problems == ["theirs/fracture.yaml: version: expected a whole number from 1 to 100000, got 0"]


def test_clinic_folder_adds_protocols_and_techniques(tmp_path):
    techniques, protocol = _mini()
    ours = _write(tmp_path / "ours", techniques, fracture=protocol)
    extra = copy.deepcopy(techniques["techniques"][0])
    extra["id"] = "clinic_stroking"
    wrist = copy.deepcopy(protocol)
    wrist["stages"][1]["clinic"][0]["technique"] = "clinic_stroking"
    theirs = _write(tmp_path / "theirs", {"version": 1, "techniques": [extra]}, wrist=wrist)
    library = load_library([ours, theirs], set(ILLUSTRATION_IDS))
    assert sorted(library.protocols) == ["fracture", "wrist"]
    assert library.protocol("wrist").stage("after_cast").clinic[0].technique == "clinic_stroking"


def test_clinic_folder_may_not_redefine_one_of_our_techniques(tmp_path):
    techniques, protocol = _mini()
    ours = _write(tmp_path / "ours", techniques, fracture=protocol)
    theirs = _write(tmp_path / "theirs", {"version": 2, "techniques": [techniques["techniques"][0]]})
    assert _problems([ours, theirs], tmp_path) == [
        "theirs/techniques.yaml: techniques[0].id: technique 'stroking' is defined twice; choose another id"
    ]


# --------------------------------------------------------------------------------- identity


def _hash(folder: Path) -> str:
    return load_library([folder], set(ILLUSTRATION_IDS)).protocol("fracture").content_hash


def test_content_hash_is_sha256_of_the_content(tmp_path):
    shutil.copytree(MINI, tmp_path / "a")
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", _hash(tmp_path / "a"))


def test_content_hash_changes_when_the_content_changes(tmp_path):
    shutil.copytree(MINI, tmp_path / "a")
    before = _hash(tmp_path / "a")
    path = tmp_path / "a" / "fracture.yaml"
    path.write_text(path.read_text().replace("repetitions: 10", "repetitions: 12"))
    assert _hash(tmp_path / "a") != before


def test_content_hash_ignores_comments_and_layout(tmp_path):
    shutil.copytree(MINI, tmp_path / "a")
    before = _hash(tmp_path / "a")
    path = tmp_path / "a" / "fracture.yaml"
    path.write_text(
        "# reviewed by the clinical lead\n" + path.read_text().replace("{minutes: 5,", "{minutes:  5,")
    )
    assert _hash(tmp_path / "a") == before


def test_content_hash_changes_when_a_technique_it_uses_changes(tmp_path):
    shutil.copytree(MINI, tmp_path / "a")
    before = _hash(tmp_path / "a")
    path = tmp_path / "a" / "techniques.yaml"
    path.write_text(path.read_text().replace("Tap each finger in turn.", "Tap each finger, one at a time."))
    assert _hash(tmp_path / "a") != before


# --------------------------------------------------------------------------------- command-line text


def test_check_report_prints_one_line_per_protocol(tmp_path):
    lines, ok = check_report([MINI], set(ILLUSTRATION_IDS))
    digest = load_library([MINI], set(ILLUSTRATION_IDS)).protocol("fracture").content_hash[7:15]
    assert ok
    assert lines == [
        "techniques  4 techniques  1 sequence  ok",
        f"fracture v1  2 stages  4 techniques  sha256:{digest}  ok",
    ]


def test_check_report_lists_every_problem_and_fails(tmp_path):
    techniques, protocol = _mini()
    protocol["stages"][1]["home"][0]["dose"]["repetitions"] = "ten"
    _write(tmp_path, techniques, fracture=protocol)
    lines, ok = check_report([tmp_path], set(ILLUSTRATION_IDS))
    assert not ok
    assert lines == [
        "techniques  4 techniques  1 sequence  ok",
        "fracture  1 problem",
        f'{tmp_path}/fracture.yaml: stages[1].home[0].dose.repetitions: expected a whole number, got "ten"',
    ]


def test_check_report_says_which_clinic_file_replaced_ours(tmp_path):
    techniques, protocol = _mini()
    ours = _write(tmp_path / "ours", techniques, fracture=protocol)
    protocol["version"] = 3
    theirs = _write(tmp_path / "theirs", None, fracture=protocol)
    lines, ok = check_report([ours, theirs], set(ILLUSTRATION_IDS))
    assert ok
    assert lines[1].startswith("fracture v3  2 stages")
    assert lines[1].endswith(f"ok  (replaces v1 from {ours}/fracture.yaml)")


def test_outline_reads_as_a_plain_text_summary():
    library = load_library([MINI], set(ILLUSTRATION_IDS))
    text = outline(library.protocol("fracture"), library)
    for expected in [
        "Fracture (test)\nfracture version 1  sha256:",
        "  - treatment (choice: cast_or_splint, surgery; required): How was it treated?",
        "Stage 1: In the cast (in_cast)",
        "  Starts: fracture_date + 0 days",
        "    - Neck and shoulder massage [neck_shoulder_massage] on neck_shoulder: 5 min, moderate pressure",
        "    - Fast fist, slow open [fist_fast_open_slow, picture fist-fast-open-slow]: "
        "10 times, 3 times a day",
        "      1. Close your hand quickly.",
        "    - Never massage the fracture site while the cast is on.",
        "  Stop and call: Stop and call us.\n    - Your fingers turn blue.",
        "Stage 2: After the cast (after_cast)",
        "  Starts: the latest of: fracture_date + (28 days if treatment is cast_or_splint, "
        "14 days if treatment is surgery); cast_removal_date + 0 days; "
        "and the therapist confirms: The cast is off.",
        "    - Warm-up [warm_up, picture fist-fast-open-slow]: 3 minutes, 2 times a day",
        "      2. Tap your fingers on the table.",
        "  Move on when:\n    - Healing is confirmed.",
        "  Sources: seed",
    ]:
        assert expected in text


def test_outline_of_every_shipped_protocol_names_every_stage(library):
    for protocol in library.protocols.values():
        text = outline(protocol, library)
        for stage in protocol.stages:
            assert f"({stage.id})" in text


# --------------------------------------------------------------------------------- robustness


def _paths(node, prefix=()):
    """Every place in a YAML tree, as a tuple of keys and list indexes."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


MINI_PATHS = [path for path in _paths(yaml.safe_load((MINI / "fracture.yaml").read_text())) if path]
ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=5000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=5)), max_size=3),
    st.dictionaries(
        st.text(max_size=6), st.one_of(st.none(), st.integers(), st.text(max_size=5)), max_size=3
    ),
)


@settings(max_examples=examples(150), deadline=None)
@given(where=st.sampled_from(MINI_PATHS), value=ODD_VALUES)
def test_any_broken_value_gives_problems_never_a_crash(where, value):
    techniques, protocol = _mini()
    node = protocol
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    with tempfile.TemporaryDirectory() as folder:
        _write(Path(folder), techniques, fracture=protocol)
        try:
            load_library([Path(folder)], set(ILLUSTRATION_IDS))
        except DataFileError as error:
            assert error.problems
            assert all(problem.startswith(f"{folder}/fracture.yaml: ") for problem in error.problems)


def test_a_go_to_a_and_e_group_must_be_an_emergency():
    from clinic.domain.protocol_model import StopSigns
    from clinic.domain.protocol_stages import _parse_stop_groups
    from clinic.domain.rules import Problems

    problems = Problems("x.yaml")
    groups = _parse_stop_groups(
        [{"action": "Go to A&E now.", "a_and_e": True, "signs": ["The cast feels too tight."]},
         {"action": "Go to A&E now.", "emergency": True, "a_and_e": True, "signs": ["Rubbing under the cast."]}],
        "stop_and_call", problems)
    assert [p for p in problems.items if "a_and_e" in p] and "add emergency: true" in " ".join(problems.items)
    assert StopSigns("Go to A&E now.", ("Rubbing under the cast.",), True, True) in groups
