""" "Not a face": a reviewer discards a false detection (an arm, clasped hands). It leaves its
group on People and the nearest-faces index, never reaches training or version comparisons,
and no page, API answer or drawn photo shows it; taken back, the face is counted again."""

import pytest

from classifier.models import Face, FaceReview, Person
from classifier.people import more_photos
from tests.web.test_people import UNKNOWN_FACE, direction, stranger

pytestmark = pytest.mark.db_engine  # excludes over a nullable join

SURE = {"box": [4, 4, 20, 20], "label": "rafael_nadal", "candidate": "rafael_nadal",
        "score": 0.9, "needs_review": False}  # fmt: skip


def test_a_false_detection_leaves_its_group_and_the_index(make_prediction, staff):
    faces = [stranger(make_prediction, direction(0, w), f"a{n}.jpg") for n, w in
             enumerate([0, 0.1, 0.2])]  # fmt: skip
    person = Person.objects.get()
    assert person.size == 3
    arm = faces[2]

    review = arm.record_review(staff, FaceReview.Verdict.CORRECT, "not_a_face")

    assert (review.verdict, review.label) == ("correct", "not_a_face")
    arm.refresh_from_db()
    person.refresh_from_db()
    assert (arm.person, person.size) == (None, 2)
    assert arm not in Face.objects.unknown()
    assert arm.pk not in [other.pk for other, _ in more_photos(faces[0], staff)]
    assert [other.pk for other, _ in more_photos(faces[1], staff)] == [faces[0].pk]


def test_it_is_never_trained_on_nor_compared(make_prediction, staff):
    nadal, arm = (
        stranger(make_prediction, direction(0), "n.jpg"),
        stranger(make_prediction, direction(1), "arm.jpg"),
    )
    nadal.record_review(staff, FaceReview.Verdict.CORRECT, "rafael_nadal")
    arm.record_review(staff, FaceReview.Verdict.CORRECT, "not_a_face")

    assert [face.answer for face in Face.objects.training_faces()] == ["rafael_nadal"]
    assert list(Face.objects.reviewed()) == [nadal]


def test_the_photo_no_longer_shows_it_and_its_answer_ignores_it(make_prediction, staff):
    unsure = {**UNKNOWN_FACE, "candidate": "lebron_james", "score": 0.6, "needs_review": True}
    prediction = make_prediction(faces=[SURE, unsure], label="rafael_nadal")
    arm = prediction.faces.get(position=1)

    arm.record_review(staff, FaceReview.Verdict.CORRECT, "not_a_face")

    prediction.refresh_from_db()
    assert [face.position for face in prediction.face_list] == [0]
    assert (prediction.label, prediction.needs_review, prediction.possibly) == (
        "rafael_nadal",
        False,
        "",
    )


def test_a_photo_whose_only_face_is_discarded_has_no_face(make_prediction, staff):
    prediction = make_prediction(faces=[SURE])

    prediction.faces.get().record_review(staff, FaceReview.Verdict.CORRECT, "not_a_face")

    prediction.refresh_from_db()
    assert (prediction.label, prediction.face_list) == ("no_face", [])


def test_taken_back_it_is_a_face_again(make_prediction, staff):
    faces = [stranger(make_prediction, direction(0, w), f"a{n}.jpg") for n, w in
             enumerate([0, 0.1])]  # fmt: skip
    faces[1].record_review(staff, FaceReview.Verdict.CORRECT, "not_a_face")

    faces[1].record_review(staff, FaceReview.Verdict.CORRECT, "unknown")

    faces[1].refresh_from_db()
    assert faces[1].person is not None and faces[1].person.size == 2


def test_the_api_records_it_and_leaves_it_out_of_the_photo(staff_client, make_prediction):
    prediction = make_prediction(faces=[SURE, {**SURE, "box": [30, 4, 10, 10]}])
    arm = prediction.faces.get(position=1)

    response = staff_client.post(
        f"/api/faces/{arm.pk}/review/",
        {"verdict": "correct", "label": "not_a_face"},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["label"] == "not_a_face"
    shown = staff_client.get(f"/api/predictions/{prediction.pk}/").json()["faces"]
    assert [face["id"] for face in shown] == [prediction.faces.get(position=0).pk]
    page = staff_client.get(f"/predictions/{prediction.pk}/").content.decode()
    assert page.count('class="face-box') == 1
