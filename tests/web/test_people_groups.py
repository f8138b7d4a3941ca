"""Groups on People kept as faces arrive: a face joins the group of the faces it looks like,
leaves it when named, and comes back when said to be nobody known; staff merge, split and
hide groups (/api/people/<id>/..., and the page's buttons), with bad input refused in words."""

import numpy as np
import pytest
from django.contrib.auth.models import Permission

from classifier.models import Face, FaceReview, Person, face_index
from classifier.models.embeddings import embedding_bytes
from classifier.models.face_index import nearest_faces
from tests.web.test_people import SURE_NADAL, UNKNOWN_FACE, direction, stranger

pytestmark = pytest.mark.db_engine


def group_of(face: Face) -> Person | None:
    face.refresh_from_db()
    return face.person


@pytest.fixture
def two_groups(make_prediction) -> tuple[list[Face], list[Face]]:
    """Three faces of person A and two of person B, arrived one after another."""
    a = [
        stranger(make_prediction, direction(0, w), f"a{n}.jpg") for n, w in enumerate([0, 0.1, 0.2])
    ]
    b = [stranger(make_prediction, direction(9, w), f"b{n}.jpg") for n, w in enumerate([0, 0.1])]
    return a, b


def test_faces_that_arrive_join_the_group_of_the_faces_they_look_like(two_groups):
    a, b = two_groups

    assert len({group_of(face).pk for face in a}) == 1
    assert len({group_of(face).pk for face in b}) == 1
    person = group_of(a[0])
    assert person.size == 3
    assert np.allclose(person.group.total, sum(face.vector / np.linalg.norm(face.vector)
                                              for face in a), atol=1e-5)  # fmt: skip
    assert group_of(a[0]) != group_of(b[0])


def test_a_face_that_arrives_alone_starts_a_group_of_one_that_people_does_not_show(
    make_prediction,
):
    alone = stranger(make_prediction, direction(40), "alone.jpg")

    assert group_of(alone).size == 1
    assert not Person.objects.shown().exists()


def test_a_named_face_leaves_its_group_and_comes_back_when_said_to_be_nobody(two_groups, staff):
    a, _ = two_groups
    person = group_of(a[0])

    a[0].record_review(staff, FaceReview.Verdict.CORRECT, "rafael_nadal")
    assert group_of(a[0]) is None
    person.refresh_from_db()
    assert person.size == 2

    a[0].record_review(staff, FaceReview.Verdict.CORRECT, "unknown")
    assert group_of(a[0]) == person
    person.refresh_from_db()
    assert person.size == 3


def test_a_face_the_model_named_is_not_grouped(make_prediction):
    known = make_prediction(faces=[SURE_NADAL])
    face = known.faces.get()
    Face.objects.filter(pk=face.pk).update(embedding=direction(0).astype("<f4").tobytes())

    Person.objects.settle(known.faces.select_related("prediction", "review"))

    assert group_of(face) is None


def test_deleting_a_photo_takes_its_face_out_of_the_count(
    two_groups, django_capture_on_commit_callbacks
):
    a, _ = two_groups
    person = group_of(a[0])

    with django_capture_on_commit_callbacks(execute=True):
        a[0].prediction.delete()

    person.refresh_from_db()
    assert person.size == 2


def test_group_waiting_backfills_faces_stored_before_groups_existed(two_groups):
    a, b = two_groups
    Face.objects.update(person=None)
    Person.objects.all().delete()

    grouped = Person.objects.group_waiting()

    assert grouped == 5
    assert [person.size for person in Person.objects.shown()] == [3, 2]
    assert Person.objects.group_waiting() == 0  # nothing waits any more


def test_merging_two_groups_makes_one_that_the_worker_leaves_as_it_is(staff_client, two_groups):
    a, b = two_groups
    into, other = group_of(a[0]), group_of(b[0])

    response = staff_client.post(
        f"/api/people/{into.pk}/merge/", {"person": other.pk}, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json()["count"] == 5 and response.json()["arranged"] is True
    assert not Person.objects.filter(pk=other.pk).exists()
    assert {group_of(face) for face in a + b} == {into}


def test_splitting_moves_the_chosen_faces_to_a_new_group(staff_client, two_groups):
    a, _ = two_groups
    person = group_of(a[0])

    response = staff_client.post(
        f"/api/people/{person.pk}/split/", {"faces": [a[2].pk]}, content_type="application/json"
    )

    assert response.status_code == 201
    new = Person.objects.get(pk=response.json()["id"])
    assert group_of(a[2]) == new and new.size == 1 and new.arranged
    person.refresh_from_db()
    assert person.size == 2 and person.arranged


def test_hiding_a_group_takes_it_off_people_until_shown_again(staff_client, two_groups):
    a, _ = two_groups
    person = group_of(a[0])

    hidden = staff_client.post(
        f"/api/people/{person.pk}/hide/", {}, content_type="application/json"
    )
    listed = staff_client.get("/api/people/").json()["results"]
    listed_hidden = staff_client.get("/api/people/?hidden=true").json()["results"]
    shown = staff_client.post(
        f"/api/people/{person.pk}/hide/", {"hidden": False}, content_type="application/json"
    )

    assert hidden.status_code == 200 and hidden.json()["hidden"] is True
    assert person.pk not in [group["id"] for group in listed]
    assert [group["id"] for group in listed_hidden] == [person.pk]
    assert shown.json()["hidden"] is False
    assert person.pk in [g["id"] for g in staff_client.get("/api/people/").json()["results"]]


def test_the_page_merges_splits_and_hides(staff_client, two_groups):
    a, b = two_groups
    person, other = group_of(a[0]), group_of(b[0])
    shown = [face.pk for face in a]

    split = staff_client.post("/people/", {"person": person.pk, "action": "split",
                                           "shown": shown, "faces": shown[:2]})  # fmt: skip
    merge = staff_client.post(
        "/people/", {"person": person.pk, "action": "merge", "into": other.pk}
    )
    hide = staff_client.post("/people/", {"person": person.pk, "action": "hide"})

    assert [split.status_code, merge.status_code, hide.status_code] == [302, 302, 302]
    assert group_of(a[2]) not in (person, None)
    assert group_of(b[0]) == person and group_of(a[0]) == person
    person.refresh_from_db()
    assert person.hidden and person.size == 4
    page = staff_client.get("/people/?hidden=1").content.decode()
    assert f'id="person-{person.pk}"' in page and "Show again" in page


@pytest.mark.parametrize(
    ("action", "body", "reason"),
    [
        ("merge", {"person": "itself"}, "cannot be merged with itself"),
        ("merge", {"person": 999999}, "No group has the id 999999."),
        ("merge", {"person": "x"}, "A valid integer is required."),
        ("merge", {}, "This field is required."),
        ("split", {"faces": []}, "Choose the faces to move to a new group."),
        ("split", {"faces": [999999]}, "No face has the id 999999."),
        ("split", {"faces": "other group"}, "Not a face of this group"),
        ("split", {"faces": "all"}, "Leave at least one face in the group"),
        ("hide", {"hidden": "maybe"}, "Must be a valid boolean."),
    ],
)
def test_bad_input_is_refused_in_words_and_changes_nothing(
    staff_client, two_groups, action, body, reason
):
    a, b = two_groups
    person = group_of(a[0])
    if body.get("person") == "itself":
        body = {"person": person.pk}
    if body.get("faces") == "other group":
        body = {"faces": [b[0].pk]}
    if body.get("faces") == "all":
        body = {"faces": [face.pk for face in a]}
    before = sorted(Face.objects.values_list("pk", "person_id"))

    response = staff_client.post(
        f"/api/people/{person.pk}/{action}/", body, content_type="application/json"
    )

    assert response.status_code == 400
    assert reason in str(response.json())
    assert sorted(Face.objects.values_list("pk", "person_id")) == before
    assert Person.objects.count() == 2 and not Person.objects.filter(hidden=True).exists()


def test_a_group_that_does_not_exist_is_not_found(staff_client, two_groups):
    for url in ("/api/people/999999/", "/api/people/999999/hide/", "/api/people/x/merge/"):
        response = staff_client.post(url, {}, content_type="application/json")
        assert response.status_code in (404, 405)
    assert staff_client.get("/api/people/999999/").status_code == 404
    assert staff_client.post("/people/", {"person": "x", "action": "hide"}).status_code == 404
    assert staff_client.post("/people/", {"person": 999999, "action": "hide"}).status_code == 404


def test_the_page_refuses_a_merge_into_itself_in_words(staff_client, two_groups):
    a, _ = two_groups
    person = group_of(a[0])

    response = staff_client.post(
        "/people/", {"person": person.pk, "action": "merge", "into": person.pk}
    )

    assert response.status_code == 400
    assert "A group cannot be merged with itself" in response.content.decode()
    assert Person.objects.filter(pk=person.pk, arranged=False).exists()


def test_a_group_lists_all_its_faces(staff_client, two_groups):
    a, _ = two_groups

    response = staff_client.get(f"/api/people/{group_of(a[0]).pk}/")

    assert response.status_code == 200
    assert sorted(face["id"] for face in response.json()["faces"]) == sorted(f.pk for f in a)


@pytest.mark.parametrize("codenames", [[], ["review_prediction"], ["view_prediction"]])
def test_people_needs_both_reviewing_and_seeing_every_upload(
    client, django_user_model, two_groups, codenames
):
    a, b = two_groups
    user = django_user_model.objects.create_user("someone")
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    person, other = group_of(a[0]), group_of(b[0])

    responses = [
        client.get("/people/"),
        client.get(f"/faces/{a[0].pk}/more-photos/"),
        client.get("/api/people/"),
        client.get(f"/api/people/{person.pk}/"),
        client.get(f"/api/faces/{a[0].pk}/more-photos/"),
        client.post(f"/api/people/{person.pk}/merge/", {"person": other.pk}),
        client.post(f"/api/people/{person.pk}/split/", {"faces": [a[2].pk]}),
        client.post(f"/api/people/{person.pk}/hide/", {}),
        client.post("/people/", {"person": person.pk, "action": "hide"}),
    ]

    assert {response.status_code for response in responses} == {403}
    assert Person.objects.count() == 2 and not Person.objects.filter(hidden=True).exists()
    assert "People</a>" not in client.get("/").content.decode()


def test_a_face_whose_transaction_commits_after_a_newer_one_is_still_found(make_prediction):
    late, newer = (make_prediction(faces=[UNKNOWN_FACE]).faces.get() for _ in range(2))
    Face.objects.filter(pk=newer.pk).update(embedding=embedding_bytes(direction(0)))
    assert [pk for pk, _ in nearest_faces(direction(0), 5)] == [newer.pk]

    Face.objects.filter(pk=late.pk).update(embedding=embedding_bytes(direction(0, 0.1)))

    assert [pk for pk, _ in nearest_faces(direction(0), 5)] == [newer.pk, late.pk]


def test_a_snapshot_is_saved_once_enough_faces_arrived_and_a_process_starts_from_it(
    make_prediction, media_root, monkeypatch
):
    monkeypatch.setattr(face_index, "SAVE_EVERY", 3)
    faces = [stranger(make_prediction, direction(n), f"{n}.jpg") for n in range(3)]
    saved = face_index.save_snapshot()
    folder = media_root / "face-index"
    assert saved == 3 and sorted(p.name for p in folder.iterdir()) == [
        f"faces-{faces[-1].pk}.usearch"
    ]

    stranger(make_prediction, direction(5), "few.jpg")
    face_index.save_snapshot()  # one face since: not worth another snapshot
    assert sorted(p.name for p in folder.iterdir()) == [f"faces-{faces[-1].pk}.usearch"]

    face_index.forget()
    assert [pk for pk, _ in nearest_faces(direction(1), 1)] == [faces[1].pk]
