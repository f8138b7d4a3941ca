"""POST /api/faces/{id}/review/ and POST /api/faces/review/: reviewers decide face by face;
every decision is kept, the latest counts, and the photo's answer follows."""

import pytest
from PIL import Image

from classifier.models import Face, FaceReview
from classifier.web.api_tokens import issue as issue_token

GROUP = [
    {"box": [0, 0, 10, 10], "label": "rafael_nadal", "candidate": "rafael_nadal", "score": 0.9,
     "needs_review": False},
    {"box": [20, 0, 10, 10], "label": "unknown", "candidate": "lebron_james", "score": 0.55,
     "needs_review": True},
    {"box": [40, 0, 10, 10], "label": "unknown", "candidate": "lebron_james", "score": 0.1,
     "needs_review": False},
]  # fmt: skip


@pytest.fixture
def group(make_prediction):
    return make_prediction(faces=GROUP, label="rafael_nadal", confidence=0.9)


def faces_of(prediction) -> list[Face]:
    return list(prediction.faces.order_by("position"))


def review_url(face: Face) -> str:
    return f"/api/faces/{face.pk}/review/"


@pytest.mark.db_engine  # a review and the photo's answer in one transaction
def test_confirming_an_uncertain_face_names_its_candidate(staff_client, group, staff):
    _, unsure, _ = faces_of(group)

    response = staff_client.post(review_url(unsure), {"verdict": "confirm"})

    assert response.status_code == 200
    body = response.json()
    assert (body["label"], body["needs_review"]) == ("lebron_james", False)
    assert body["review"]["verdict"] == "confirm"
    review = FaceReview.objects.get()
    assert (review.face, review.reviewer, review.verdict, review.label) == (
        unsure,
        staff,
        "confirm",
        "lebron_james",
    )
    assert (review.model_label, review.model_candidate, review.model_score) == (
        "unknown",
        "lebron_james",
        0.55,
    )
    assert review.model_needs_review is True
    unsure.refresh_from_db()
    assert unsure.review == review
    group.refresh_from_db()
    assert group.label == "lebron_james"  # a reviewer's athlete comes first


@pytest.mark.db_engine  # the newest review, by order
def test_a_later_decision_replaces_the_earlier_one_and_both_are_kept(staff_client, group, staff):
    sure, _, _ = faces_of(group)

    staff_client.post(review_url(sure), {"verdict": "correct", "label": "lebron_james"})
    response = staff_client.post(review_url(sure), {"verdict": "correct", "label": "unknown"})

    assert response.status_code == 200
    assert response.json()["label"] == "unknown"
    history = list(sure.reviews.values_list("label", flat=True))
    assert history == ["unknown", "lebron_james"]  # newest first
    sure.refresh_from_db()
    assert (sure.review.label, sure.label) == ("unknown", "rafael_nadal")
    group.refresh_from_db()
    assert (group.label, group.confidence) == ("unknown", 0.9)


def test_not_an_athlete_on_every_face_makes_the_photo_unknown(staff_client, group):
    response = staff_client.post(
        "/api/faces/review/",
        {"faces": [face.pk for face in faces_of(group)], "verdict": "correct", "label": "unknown"},
        format="json",
    )

    assert response.status_code == 200
    assert [face["label"] for face in response.json()] == ["unknown"] * 3
    assert FaceReview.objects.filter(label="unknown").count() == 3
    group.refresh_from_db()
    assert group.label == "unknown"


def test_bulk_confirm_confirms_each_faces_own_answer(staff_client, group):
    response = staff_client.post(
        "/api/faces/review/",
        {"faces": [face.pk for face in faces_of(group)], "verdict": "confirm"},
        format="json",
    )

    assert response.status_code == 200
    labels = [face.review.label for face in faces_of(group)]
    assert labels == ["rafael_nadal", "lebron_james", "unknown"]


@pytest.mark.db_engine  # a transaction rolled back
def test_a_bulk_review_with_one_bad_face_records_nothing(staff_client, group):
    response = staff_client.post(
        "/api/faces/review/",
        {"faces": [faces_of(group)[0].pk, 999999], "verdict": "confirm"},
        format="json",
    )

    assert response.status_code == 400
    assert "999999" in response.content.decode()
    assert not FaceReview.objects.exists()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"verdict": "correct"}, "Say which label is right."),
        ({"verdict": "correct", "label": "roger_federer"}, "is not an athlete's label"),
        ({"verdict": "maybe"}, "is not a valid choice"),
    ],
)
def test_it_refuses_a_bad_decision(staff_client, group, payload, message):
    response = staff_client.post(review_url(faces_of(group)[0]), payload)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not FaceReview.objects.exists()


def test_anonymous_and_plain_users_may_not_review(client, user_client, group):
    face = faces_of(group)[0]

    assert client.post(review_url(face), {"verdict": "confirm"}).status_code in (401, 403)
    assert user_client.post(review_url(face), {"verdict": "confirm"}).status_code == 403
    assert not FaceReview.objects.exists()


def test_a_token_with_the_review_permission_may(client, group, staff):
    token = issue_token(staff)

    response = client.post(
        review_url(faces_of(group)[0]),
        {"verdict": "confirm"},
        HTTP_AUTHORIZATION=f"Token {token}",
    )

    assert response.status_code == 200
    assert FaceReview.objects.get().reviewer == staff


def test_a_missing_face_is_404(staff_client, db):
    assert staff_client.post("/api/faces/424242/review/", {"verdict": "confirm"}).status_code == 404
    assert staff_client.post("/api/faces/nope/review/", {"verdict": "confirm"}).status_code == 404


@pytest.mark.db_engine  # on_commit
def test_the_annotated_photo_is_redrawn_with_the_reviewed_answer(
    staff_client, make_prediction, media_photo, media_root, django_capture_on_commit_callbacks
):
    stranger = {"box": [4, 4, 40, 30], "label": "unknown", "candidate": "rafael_nadal",
                "score": 0.2, "needs_review": False}  # fmt: skip
    prediction = make_prediction(faces=[stranger], label="unknown", image=media_photo)
    (media_root / prediction.annotated.name).parent.mkdir(parents=True, exist_ok=True)
    (media_root / prediction.annotated.name).write_bytes(b"the model's drawing")
    earlier = prediction.annotated.name

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            review_url(prediction.faces.get()), {"verdict": "correct", "label": "rafael_nadal"}
        )

    assert response.status_code == 200
    prediction.refresh_from_db()
    assert prediction.annotated.name != earlier
    assert not (media_root / earlier).exists()
    drawn = Image.open(media_root / prediction.annotated.name).convert("RGB")
    assert drawn.size == (64, 48)
    red, green, blue = drawn.getpixel((4, 25))  # the box's left edge: an athlete's blue
    assert blue > 150 and red < 120


@pytest.mark.db_engine  # on_commit
def test_a_photo_that_cannot_be_redrawn_keeps_the_review(
    staff_client, make_prediction, django_capture_on_commit_callbacks, caplog
):
    prediction = make_prediction()  # its files were never stored
    earlier = prediction.annotated.name

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(review_url(prediction.faces.get()), {"verdict": "confirm"})

    assert response.status_code == 200
    assert FaceReview.objects.count() == 1
    prediction.refresh_from_db()
    assert prediction.annotated.name == earlier
    assert "Cannot redraw the faces" in caplog.text
