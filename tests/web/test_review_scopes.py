"""The review queue's scopes: flagged faces only by default, one event's, the reviewer's last
upload batch, or every face waiting, each with how many wait; photos sent together are one
batch, from the plain form and from the API."""

import datetime
import uuid

import pytest
from django.contrib.auth.models import Permission

from classifier.models import Athlete, Event, Prediction
from tests.web.conftest import jpeg_bytes, upload_file
from tests.web.test_review_queue import SURE, UNSURE, queued_faces

pytestmark = pytest.mark.db_engine  # counts grouped by event, filters over joins


@pytest.fixture
def desk(make_prediction, staff):
    """A game (one flagged face, one sure), another upload batch of staff's (one flagged, one
    sure), and an older photo of nobody's batch (one sure)."""
    game = Event.objects.create(name="Game", date=datetime.date(2026, 12, 1))
    mine = uuid.uuid4()
    make_prediction(faces=[SURE], original_name="old.jpg")
    make_prediction(faces=[UNSURE, SURE], event=game, original_name="game.jpg")
    make_prediction(faces=[UNSURE], uploader=staff, batch=mine, original_name="mine1.jpg")
    make_prediction(faces=[SURE], uploader=staff, batch=mine, original_name="mine2.jpg")
    return game, mine


def names(response) -> list[str]:
    return [face["photo_name"] for face in queued_faces(response)]


def test_flagged_faces_only_by_default(staff_client, desk):
    response = staff_client.get("/review/")

    assert sorted(names(response)) == ["game.jpg", "mine1.jpg"]
    assert response.context["waiting"] == 2


def test_each_scope_shows_its_faces_and_counts_them(staff_client, desk):
    game, mine = desk

    every = staff_client.get("/review/", {"scope": "all"})
    event = staff_client.get("/review/", {"scope": "event", "event": game.pk})
    batch = staff_client.get("/review/", {"scope": "batch"})

    assert len(names(every)) == 5
    assert sorted(names(event)) == ["game.jpg", "game.jpg"]
    assert sorted(names(batch)) == ["mine1.jpg", "mine2.jpg"]
    counts = every.context["counts"]
    assert (counts["flagged"], counts["batch"], counts["all"]) == (2, 2, 5)
    assert [(e.name, count) for e, count in counts["events"]] == [("Game", 2)]
    html = every.content.decode()
    assert f"?scope=batch&amp;batch={mine}" in html
    assert "Game, 1 Dec (2)" in html


def test_a_reviewed_face_leaves_every_count(staff_client, desk, staff):
    game, _ = desk
    Prediction.objects.get(original_name="game.jpg").faces.get(position=0).record_review(
        staff, "confirm"
    )

    counts = staff_client.get("/review/").context["counts"]

    assert (counts["flagged"], counts["all"]) == (1, 4)
    assert [count for _, count in counts["events"]] == [1]


@pytest.mark.parametrize(
    "query", [{"scope": "nonsense"}, {"scope": "event", "event": "x"}, {"batch": "not-a-uuid"}]
)
def test_a_bad_scope_falls_back_to_something_sensible(staff_client, desk, query):
    response = staff_client.get("/review/", query)

    assert response.status_code == 200


def test_photos_of_one_form_are_one_batch_and_the_next_form_another(client, db):
    for _ in range(2):
        photos = [upload_file(jpeg_bytes(colour=(n * 40, 0, 0)), f"p{n}.jpg") for n in range(2)]
        client.post("/upload/", {"image": photos})

    batches = list(Prediction.objects.order_by("created_at").values_list("batch", flat=True))
    assert len(batches) == 4 and None not in batches
    assert batches[0] == batches[1] != batches[2] == batches[3]


def test_the_api_keeps_the_batch_it_is_given(client, db):
    batch = uuid.uuid4()

    for n in range(2):
        photo = upload_file(jpeg_bytes(colour=(0, n * 90, 0)))
        response = client.post("/api/predictions/", {"image": photo, "batch": str(batch)})
        assert response.status_code == 202, response.content

    assert set(Prediction.objects.values_list("batch", flat=True)) == {batch}


@pytest.mark.parametrize("event", ["9" * 30, "0", "12345", "x"])
def test_an_event_that_is_none_scopes_to_no_face(staff_client, desk, event):
    """A number past the database's integers answered 500 (SQLite: "too large to convert")."""
    response = staff_client.get("/review/", {"scope": "event", "event": event})

    assert response.status_code == 200
    assert response.context["faces"] == [] and response.context["waiting"] == 0
    assert [(e.name, count) for e, count in response.context["counts"]["events"]] == [("Game", 2)]


def test_a_reviewer_reads_only_the_names_and_rosters_of_events_they_may_list(
    client, desk, django_user_model
):
    """A closed game's name and roster are planning data: the review page keeps them to
    reviewers who may list events (the Accounts page's Reviewer role may)."""
    game, _ = desk
    game.athletes.add(Athlete.objects.create(label="jayson_tatum", display_name="Jayson Tatum"))
    reviewer = django_user_model.objects.create_user("jo", password="a-long-password")
    reviewer.user_permissions.set(
        Permission.objects.filter(codename__in=["review_prediction", "view_prediction"])
    )
    client.force_login(reviewer)

    def page():
        response = client.get("/review/", {"scope": "event", "event": game.pk})
        return response.context["counts"]["events"], response.context["choices"]["rosters"]

    assert page() == ([], {})
    reviewer.user_permissions.add(Permission.objects.get(codename="view_event"))
    reviewer = django_user_model.objects.get(pk=reviewer.pk)  # permissions are cached
    events, rosters = page()
    assert [(event.name, count) for event, count in events] == [("Game", 2)]
    assert rosters == {game.pk: ["jayson_tatum"]}
