"""The body map: regions with sides, what lies inside what, and the words a patient and a therapist read."""

import pytest

from clinic.domain import bodymap
from clinic.domain.bodymap import Place


@pytest.mark.parametrize("old_id", [
    "fingers", "thumb", "palm", "back_of_hand", "wrist", "forearm", "elbow", "upper_arm", "shoulder", "neck_shoulder",
])
def test_every_region_stored_before_the_map_had_joints_still_reads(old_id):
    assert bodymap.parse_region(old_id) == old_id


@pytest.mark.parametrize(("region", "container", "expected"), [
    ("index_pip", "index", True),
    ("index_pip", "fingers", True),
    ("index_pip", "hand", True),
    ("index_pip", "thumb", False),
    ("thumb_cmc", "thumb", True),
    ("thumb_cmc", "fingers", False),
    ("palm", "hand", True),
    ("wrist", "hand", False),
    ("hand", "index_pip", False),
])
def test_a_region_lies_inside_the_regions_that_contain_it(region, container, expected):
    assert bodymap.inside(region, container) is expected


def test_the_hand_is_its_back_palm_thumb_joints_and_each_finger_joint():
    leaves = bodymap.leaves("hand")
    assert {"back_of_hand", "palm", "thumb_cmc", "thumb_mcp", "thumb_ip", "little_dip", "index_mcp"} <= set(leaves)
    assert len(leaves) == 2 + 3 + 4 * 3


def test_leaving_one_joint_out_of_the_fingers_keeps_the_other_fingers_whole():
    all_fingers = bodymap.places(["fingers"], ["right"])
    kept = bodymap.condense(all_fingers - {Place("right", "index_pip")})
    assert Place("right", "middle") in kept and Place("right", "little") in kept
    assert Place("right", "index_mcp") in kept and Place("right", "index_dip") in kept
    assert Place("right", "index") not in kept


def test_a_left_out_place_reads_like_a_therapist_would_say_it():
    assert bodymap.places_words([Place("right", "index_pip")]) == "the right index finger's middle joint"
    assert bodymap.places_words([Place("left", "ring"), Place("left", "little")]) == (
        "the left ring finger and the left little finger"
    )


@pytest.mark.parametrize(("region", "side", "patient", "therapist"), [
    ("index_pip", "right", "the middle joint of your right index finger",
     "the middle joint (PIP) of the right index finger"),
    ("thumb_cmc", "left", "the base joint of your left thumb", "the base joint (CMC) of the left thumb"),
    ("back_of_hand", "right", "the back of your right hand", "the back of the right hand"),
    ("wrist", "both", "your left and right wrist", "the left and right wrist"),
    ("neck_shoulder", "left", "your neck and left shoulder", "the neck and left shoulder"),
])
def test_a_place_in_plain_words(region, side, patient, therapist):
    assert bodymap.patient_words(region, side) == patient
    assert bodymap.therapist_words(region, side) == therapist


@pytest.mark.parametrize(("value", "sides"), [
    ("left", ("left",)), ("right", ("right",)), ("both", ("left", "right")), (None, ("left", "right")),
])
def test_a_stored_side_means_one_side_or_both(value, sides):
    assert bodymap.parse_side(value) == sides


@pytest.mark.parametrize("bad", ["index_finger", "Wrist", "", None, 3])
def test_an_unknown_region_is_refused_with_a_message_naming_it(bad):
    with pytest.raises(ValueError, match="unknown body region"):
        bodymap.parse_region(bad)


def test_an_unknown_side_is_refused():
    with pytest.raises(ValueError, match="side must be one of left, right, both"):
        bodymap.parse_side("middle")


def test_the_form_groups_offer_every_region_once():
    offered = [rid for _, options in bodymap.region_groups() for rid, _ in options]
    assert sorted(offered) == sorted(bodymap.REGIONS)
    assert len(offered) == len(set(offered))


def test_a_broken_little_finger_is_strapped_to_the_ring_finger():
    assert bodymap.neighbour_finger("little") == "ring"
    assert bodymap.finger_of("little_pip") == "little"


def test_a_region_without_a_side_for_lists():
    assert bodymap.region_words("index_pip") == "index finger's middle joint"
    assert bodymap.region_words("back_of_hand") == "back of the hand"
