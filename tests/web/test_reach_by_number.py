"""A face's number, or a version's comparison, opens no photo the caller may not list.

Face ids count up, so each endpoint that takes one goes through the one rule of who sees which
photo (``PredictionQuerySet.visible_to``): an enroller walking ``/faces/<n>/example/`` is not
led to other people's photos, a reviewer reaches the faces of finished photos only, and the
comparison names only the photos its caller may list.
"""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from classifier.models import Example, FaceReview
from tests.web.test_version_comparison import reviewed, unit, versions  # noqa: F401

NADAL_FACE = {"box": [4, 4, 20, 20], "label": "rafael_nadal", "candidate": "rafael_nadal",
              "score": 0.9, "needs_review": True}  # fmt: skip


def signed_in(django_user_model, username: str, *codenames: str) -> Client:
    user = django_user_model.objects.create_user(username, password="a-long-password")
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    client.user = user  # type: ignore[attr-defined]
    return client


def test_an_enroller_cannot_walk_face_numbers_to_other_peoples_photos(
    django_user_model, make_prediction, athletes
):
    enroller = signed_in(django_user_model, "enroller", "add_athlete")
    theirs = make_prediction(visitor="b" * 32).faces.get()
    own = make_prediction(uploader=enroller.user).faces.get()  # type: ignore[attr-defined]

    walked = enroller.post(f"/faces/{theirs.pk}/example/", {"athlete": ""})
    named = enroller.post(f"/faces/{theirs.pk}/example/", {"athlete": "rafael_nadal"})
    allowed = enroller.post(f"/faces/{own.pk}/example/", {"athlete": ""})

    assert (walked.status_code, named.status_code) == (404, 404)
    assert str(theirs.prediction_id) not in walked.content.decode()
    assert not Example.objects.exists()
    assert allowed.status_code == 302
    assert allowed["Location"] == f"/predictions/{own.prediction_id}/"
    # A shared link opens the photo's page, without forms that would answer 404.
    form = 'class="face-example"'
    assert form not in enroller.get(f"/predictions/{theirs.prediction_id}/").content.decode()
    assert form in enroller.get(f"/predictions/{own.prediction_id}/").content.decode()


def test_a_reviewer_reaches_only_the_faces_of_finished_photos(
    django_user_model, make_prediction, athletes
):
    reviewer = signed_in(django_user_model, "reviewer", "review_prediction")
    running = make_prediction(status="running", faces=[NADAL_FACE]).faces.get()
    finished = make_prediction(faces=[NADAL_FACE]).faces.get()
    decision = {"verdict": "confirm"}

    one = reviewer.post(f"/api/faces/{running.pk}/review/", decision)
    many = reviewer.post("/api/faces/review/", {**decision, "faces": [running.pk]})
    page = reviewer.post("/review/", {"face": running.pk, "choice": "confirm"})
    queue = reviewer.get("/review/", {"face": running.pk})
    done = reviewer.post(f"/api/faces/{finished.pk}/review/", decision)

    assert (one.status_code, many.status_code, page.status_code) == (404, 400, 404)
    assert queue.status_code == 404
    assert f"No face has the id {running.pk}" in many.content.decode()
    assert done.status_code == 200
    assert list(FaceReview.objects.values_list("face", flat=True)) == [finished.pk]


@pytest.mark.db_engine  # reviews joined, photo ids filtered by the visibility rule
def test_the_comparison_names_only_the_photos_its_caller_may_list(
    django_user_model,
    staff,
    staff_client,
    make_prediction,
    versions,  # noqa: F811
):
    viewer = signed_in(django_user_model, "trainer", "view_modelversion")
    theirs = reviewed(make_prediction, staff, unit(2), "c")
    own = reviewed(make_prediction, staff, unit(1), "unknown")
    own.uploader = viewer.user  # type: ignore[attr-defined]
    own.save()

    shown = viewer.get("/api/models/new/comparison/").json()["changes"]
    to_staff = staff_client.get("/api/models/new/comparison/").json()["changes"]

    assert sorted(str(change["prediction"]) for change in shown) == sorted([str(own.pk), "None"])
    assert {change["prediction"] for change in to_staff} == {str(own.pk), str(theirs.pk)}
    assert str(theirs.pk) not in str(shown)
