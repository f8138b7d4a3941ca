"""The migrations that make faces rows keep every face stored as JSON before them (and can be
undone without losing them), and turn each photo-level review into decisions on its faces."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.db_engine, pytest.mark.django_db(transaction=True)]

BEFORE = [("classifier", "0002_permissions_to_review_and_activate")]
FACES_AS_ROWS = [("classifier", "0005_remove_prediction_faces_json")]
BEFORE_FACE_REVIEWS = [("classifier", "0006_face_reviews")]
AFTER = [("classifier", "0009_merge_faces_and_worker_heartbeat")]
GROUP_FACES = [
    {
        "box": [10, 20, 30, 40],
        "label": "rafael_nadal",
        "candidate": "rafael_nadal",
        "score": 0.91,
        "needs_review": False,
        "detection_confidence": 0.98,
    },
    {
        "box": [50, 60, 25, 25],
        "label": "unknown",
        "candidate": "lebron_james",
        "score": 0.55,
        "needs_review": True,
        "detection_confidence": 0.9,
    },
]
# As the recognizer stored faces before the three answers.
OLD_FACE = {
    "box": [1, 2, 3, 4],
    "label": "unknown",
    "confidence": 0.6,
    "distance": 0.9,
    "probabilities": {"lebron_james": 0.6, "rafael_nadal": 0.4},
    "detection_confidence": 0.97,
}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def stored_prediction(apps, faces: list) -> object:
    Prediction = apps.get_model("classifier", "Prediction")
    return Prediction.objects.create(
        image="uploads/a.jpg",
        thumbnail="thumbs/a.jpg",
        original_name="a.jpg",
        sha256="0" * 64,
        size=1,
        width=100,
        height=100,
        status="done",
        label="rafael_nadal",
        faces=faces,
    )


@pytest.fixture
def before_faces_were_rows():
    apps = migrate(BEFORE)
    yield apps
    migrate(AFTER)


def test_it_moves_each_face_into_a_row_in_order(before_faces_were_rows):
    group = stored_prediction(before_faces_were_rows, GROUP_FACES)
    old = stored_prediction(before_faces_were_rows, [OLD_FACE])
    nobody = stored_prediction(before_faces_were_rows, [])

    Face = migrate(FACES_AS_ROWS).get_model("classifier", "Face")

    rows = list(Face.objects.filter(prediction_id=group.pk).order_by("position").values())
    assert [(row["x"], row["y"], row["width"], row["height"]) for row in rows] == [
        (10, 20, 30, 40),
        (50, 60, 25, 25),
    ]
    assert [(row["label"], row["candidate"], row["needs_review"]) for row in rows] == [
        ("rafael_nadal", "rafael_nadal", False),
        ("unknown", "lebron_james", True),
    ]
    assert [row["score"] for row in rows] == [0.91, 0.55]
    assert all(row["embedding"] is None for row in rows)
    (old_row,) = Face.objects.filter(prediction_id=old.pk).values()
    assert (old_row["label"], old_row["candidate"], old_row["score"]) == (
        "unknown",
        "lebron_james",
        0.6,
    )
    assert (old_row["needs_review"], old_row["detection_confidence"]) == (False, 0.97)
    assert not Face.objects.filter(prediction_id=nobody.pk).exists()


def test_undoing_it_puts_the_faces_back_as_json(before_faces_were_rows):
    group = stored_prediction(before_faces_were_rows, GROUP_FACES)
    migrate(FACES_AS_ROWS)

    Prediction = migrate(BEFORE).get_model("classifier", "Prediction")

    assert Prediction.objects.get(pk=group.pk).faces == GROUP_FACES


@pytest.mark.parametrize(
    ("verdict", "label", "decided"),
    [
        ("confirm", "rafael_nadal", ["rafael_nadal", "lebron_james"]),
        ("correct", "unknown", ["unknown", "unknown"]),
        ("correct", "lebron_james", ["lebron_james", None]),
    ],
)
def test_a_photo_review_becomes_decisions_on_its_faces(
    before_faces_were_rows, django_user_model, verdict, label, decided
):
    group = stored_prediction(before_faces_were_rows, GROUP_FACES)
    apps = migrate(BEFORE_FACE_REVIEWS)
    reviewer = apps.get_model("auth", "User").objects.create(username="ann")
    apps.get_model("classifier", "Review").objects.create(
        prediction_id=group.pk, reviewer=reviewer, verdict=verdict, label=label
    )

    apps = migrate(AFTER)

    Face = apps.get_model("classifier", "Face")
    faces = list(Face.objects.filter(prediction_id=group.pk).order_by("position"))
    assert [face.review.label if face.review else None for face in faces] == decided
    reviews = apps.get_model("classifier", "FaceReview").objects.all()
    assert {(review.verdict, review.reviewer_id) for review in reviews} == {(verdict, reviewer.pk)}
    assert {review.model_label for review in reviews} <= {"rafael_nadal", "unknown"}
    prediction = apps.get_model("classifier", "Prediction").objects.get(pk=group.pk)
    assert prediction.label == label
