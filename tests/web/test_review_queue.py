"""/review/: the staff's review queue, served to reviewers only, uncertain faces first; its
plain forms record a decision without JavaScript."""

import json

import pytest

from classifier.models import Athlete, FaceReview

SURE = {"box": [4, 4, 20, 20], "label": "rafael_nadal", "candidate": "rafael_nadal",
        "score": 0.9, "needs_review": False}  # fmt: skip
UNSURE = {"box": [30, 4, 10, 10], "label": "unknown", "candidate": "lebron_james",
          "score": 0.55, "needs_review": True}  # fmt: skip


def queued_faces(response) -> list[dict]:
    html = response.content.decode()
    start = html.index('id="review-faces" type="application/json">') + 42
    return json.loads(html[start : html.index("</script>", start)])


def test_it_sends_visitors_to_sign_in(client, db):
    response = client.get("/review/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=/review/")


def test_it_refuses_users_without_the_review_permission(user_client, db):
    assert user_client.get("/review/").status_code == 403


@pytest.mark.db_engine  # ordering over Exists() and joins
def test_uncertain_faces_come_first_then_the_newest_photos(staff_client, make_prediction, staff):
    older = make_prediction(original_name="older.jpg", faces=[SURE])
    make_prediction(original_name="group.jpg", faces=[SURE, UNSURE])
    done = make_prediction(original_name="done.jpg", faces=[SURE])
    done.faces.get().record_review(staff, "confirm")
    make_prediction(original_name="queued.jpg", status="queued", label="")

    response = staff_client.get("/review/", {"scope": "all"})

    assert response.status_code == 200
    faces = queued_faces(response)
    assert [(face["photo_name"], face["candidate"]) for face in faces] == [
        ("group.jpg", "lebron_james"),
        ("group.jpg", "rafael_nadal"),
        ("older.jpg", "rafael_nadal"),
    ]
    assert faces[0]["shown_answer"] == "lebron_james"
    assert faces[0]["highlight"] == [46.88, 8.33, 15.62, 20.83]  # of a 64 x 48 photo
    assert older.faces.get().pk == faces[2]["id"]
    assert "Possibly LeBron James, needs review" in response.content.decode()


def test_a_plain_form_post_records_the_decision(staff_client, make_prediction, staff):
    prediction = make_prediction(faces=[SURE])
    face = prediction.faces.get()

    response = staff_client.post("/review/", {"face": face.pk, "choice": "unknown"})

    assert response.status_code == 302
    review = FaceReview.objects.get()
    assert (review.face, review.verdict, review.label, review.reviewer) == (
        face,
        "correct",
        "unknown",
        staff,
    )
    prediction.refresh_from_db()
    assert prediction.label == "unknown"


def test_a_bad_choice_is_explained_and_records_nothing(staff_client, make_prediction):
    face = make_prediction(faces=[SURE]).faces.get()

    response = staff_client.post("/review/", {"face": face.pk, "choice": "nobody"}, follow=True)

    assert response.status_code == 200
    assert "is not an athlete" in response.content.decode()
    assert not FaceReview.objects.exists()


def test_one_photos_faces_can_be_reviewed_again(staff_client, make_prediction, staff):
    prediction = make_prediction(faces=[SURE, UNSURE])
    for face in prediction.faces.all():
        face.record_review(staff, "confirm")

    response = staff_client.get("/review/", {"photo": str(prediction.pk)})

    assert [face["answer"] for face in queued_faces(response)] == [
        "rafael_nadal",
        "lebron_james",
    ]


@pytest.mark.db_engine  # ordering with the chosen face first
def test_it_starts_from_the_face_the_admin_links_to(staff_client, make_prediction):
    first = make_prediction(faces=[UNSURE])
    chosen = make_prediction(faces=[SURE]).faces.get()

    faces = queued_faces(staff_client.get("/review/", {"face": chosen.pk}))

    assert [face["id"] for face in faces] == [chosen.pk, first.faces.get().pk]


@pytest.mark.parametrize("query", [{"photo": "not-a-uuid"}, {"face": "x"}, {"face": "424242"}])
def test_an_unknown_photo_or_face_is_404(staff_client, db, query):
    assert staff_client.get("/review/", query).status_code == 404


def test_a_post_for_a_missing_face_is_404(staff_client, db):
    assert staff_client.post("/review/", {"face": "x", "choice": "confirm"}).status_code == 404
    assert not FaceReview.objects.exists()


def test_a_plain_form_names_someone_else_from_the_list(staff_client, make_prediction):
    face = make_prediction(faces=[UNSURE]).faces.get()

    staff_client.post("/review/", {"face": face.pk, "choice": "athlete", "athlete": "rafael_nadal"})

    review = FaceReview.objects.get()
    assert (review.verdict, review.label) == ("correct", "rafael_nadal")


def test_choosing_what_the_model_offered_is_a_confirmation(staff_client, make_prediction):
    unknown = {**UNSURE, "needs_review": False}
    face = make_prediction(faces=[unknown], label="unknown").faces.get()

    staff_client.post("/review/", {"face": face.pk, "choice": "unknown"})

    review = FaceReview.objects.get()
    assert (review.verdict, review.label) == ("confirm", "unknown")


def test_the_page_offers_the_athletes_with_their_numbers_and_no_positional_keys(
    staff_client, make_prediction
):
    Athlete.objects.filter(label="lebron_james").update(number="23")
    make_prediction(faces=[UNSURE])

    html = staff_client.get("/review/").content.decode()

    assert "23 · LeBron James" in html
    assert "data-key" not in html
    assert html.count('data-choice="') == 3  # not an athlete, not a face, confirm
