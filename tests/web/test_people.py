"""People seen but not known (/people/, /api/people/): unknown faces grouped by person as they
arrive, and naming a group, which records a review on each face and enrols the person."""

import re

import numpy as np
import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from classifier.models import Athlete, Face, FaceReview, Person, Prediction
from classifier.models.embeddings import embedding_bytes

pytestmark = pytest.mark.db_engine

UNKNOWN_FACE = {"box": [4, 4, 20, 20], "label": "unknown", "candidate": "rafael_nadal",
                "score": 0.2, "needs_review": False}  # fmt: skip
SURE_NADAL = {"box": [30, 4, 10, 10], "label": "rafael_nadal", "candidate": "rafael_nadal",
              "score": 0.9, "needs_review": False}  # fmt: skip


def direction(axis: int, wobble: float = 0.0) -> np.ndarray:
    """A unit-ish embedding along one axis, a little off it: one made-up person per axis."""
    vector = np.zeros(128)
    vector[axis], vector[(axis + 1) % 128] = 1.0, wobble
    return vector


def stranger(make_prediction, vector: np.ndarray, name: str, faces=(UNKNOWN_FACE,)) -> Face:
    """A finished photo whose first face is an unknown one with this embedding, arrived: in
    its group, as the worker leaves it."""
    prediction = make_prediction(faces=list(faces), label="unknown", original_name=name)
    Face.objects.filter(prediction=prediction, position=0).update(embedding=embedding_bytes(vector))
    Person.objects.settle(prediction.faces.select_related("prediction", "review"))
    return prediction.faces.get(position=0)


@pytest.fixture
def seen(make_prediction, staff) -> dict[str, list[Face]]:
    """Three photos of person A (one of them said "not an athlete" by a reviewer), two of
    person B, one of C alone, and a sure Nadal face that looks like A but is known."""
    a = [
        stranger(make_prediction, direction(0, w), f"a{n}.jpg") for n, w in enumerate([0, 0.1, 0.2])
    ]
    a[2].record_review(staff, FaceReview.Verdict.CORRECT, "unknown")
    b = [stranger(make_prediction, direction(10, w), f"b{n}.jpg") for n, w in enumerate([0, 0.1])]
    c = [stranger(make_prediction, direction(20), "c.jpg")]
    known = make_prediction(faces=[SURE_NADAL], original_name="nadal.jpg").faces.get()
    Face.objects.filter(pk=known.pk).update(embedding=embedding_bytes(direction(0, 0.05)))
    return {"a": a, "b": b, "c": c}


def ids(faces) -> list[int]:
    return sorted(face.pk for face in faces)


def test_the_api_lists_groups_of_two_or_more_unknown_faces_biggest_first(staff_client, seen):
    response = staff_client.get("/api/people/")

    assert response.status_code == 200
    groups = response.json()["results"]
    assert response.json()["count"] == 2
    assert [group["count"] for group in groups] == [3, 2]
    assert [sorted(face["id"] for face in group["faces"]) for group in groups] == [
        ids(seen["a"]),
        ids(seen["b"]),
    ]
    face = groups[0]["faces"][0]
    assert set(face) == {"id", "box", "prediction", "image_url", "candidate", "score"}
    assert face["image_url"].startswith("http://testserver/media/uploads/")


def test_every_unknown_face_is_grouped_however_old(make_prediction):
    faces = [stranger(make_prediction, direction(0, 0.01 * n), f"a{n}.jpg") for n in range(5)]
    Prediction.objects.filter(pk=faces[0].prediction_id).update(created_at="2001-01-01T00:00Z")

    assert [person.size for person in Person.objects.shown()] == [5]
    assert {face.person_id for face in Face.objects.filter(pk__in=[f.pk for f in faces])} == {
        faces[0].person_id
    }


def test_the_page_shows_each_group_with_its_count_faces_and_photos(staff_client, seen):
    response = staff_client.get("/people/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<a href="/people/">People</a>' in html
    assert html.count("data-person ") == 2
    assert "<span data-count>3</span> faces" in html and "<span data-count>2</span> faces" in html
    for face in seen["a"] + seen["b"]:
        assert f'name="faces" value="{face.pk}" data-face checked' in html
        assert f'<a href="/predictions/{face.prediction_id}/">' in html
    assert f'value="{seen["c"][0].pk}"' not in html  # alone: not shown
    assert "background-size:" in html and "Name this person" in html


def test_a_page_of_groups_takes_the_same_queries_however_many_faces_they_hold(
    staff_client, seen, make_prediction
):
    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(url).status_code == 200
        return len(captured)

    few = {url: queries(url) for url in ("/people/", "/api/people/")}
    for group in range(3):  # three more groups of four faces each
        for n in range(4):
            stranger(make_prediction, direction(30 + 10 * group, 0.01 * n), f"d{group}{n}.jpg")

    assert {url: queries(url) for url in few} == few  # no face or photo read one by one


def test_the_page_shows_twenty_groups_at_a_time_as_the_api_does(staff_client, make_prediction):
    for group in range(21):
        for n in range(2):
            stranger(make_prediction, direction(group * 6, 0.01 * n), f"g{group}-{n}.jpg")

    first = staff_client.get("/people/").content.decode()
    second = staff_client.get("/people/", {"page": 2}).content.decode()
    api = staff_client.get("/api/people/").json()

    assert (first.count("data-person "), second.count("data-person ")) == (20, 1)
    assert "Page 1 of 2" in first
    assert (api["count"], len(api["results"])) == (21, 20)


@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_the_page_writes_ids_and_pixels_without_thousand_separators(staff_client, seen):
    Prediction.objects.filter(pk=seen["a"][0].prediction_id).update(width=4000, height=3000)

    html = staff_client.get("/people/").content.decode()

    assert "background-size: 13714px 10286px;" in html  # 4000 px seen 96 px / (20 px × 1.4)
    assert not re.search(r"\d,\d{3}px", html)


def test_it_says_so_when_no_unknown_faces_look_alike(staff_client, make_prediction):
    stranger(make_prediction, direction(0), "alone.jpg")

    response = staff_client.get("/people/")

    assert response.status_code == 200
    assert "No unknown face looks like another one yet." in response.content.decode()
    assert staff_client.get("/api/people/").json()["results"] == []


def test_naming_a_group_on_the_page_records_a_review_on_each_face(staff_client, seen, staff):
    a = seen["a"]

    response = staff_client.post(
        "/people/",
        {"person": a[0].person_id, "faces": [face.pk for face in a], "label": "lebron_james"},
    )

    assert response.status_code == 302 and response["Location"] == "/people/"
    for face in a:
        face.refresh_from_db()
        assert (face.review.verdict, face.review.label, face.review.reviewer) == (
            "correct",
            "lebron_james",
            staff,
        )
        assert Prediction.objects.get(pk=face.prediction_id).label == "lebron_james"
    assert list(a[2].reviews.values_list("label", flat=True)) == ["lebron_james", "unknown"]
    page = staff_client.get("/people/").content.decode()
    assert "3 faces are now LeBron James: the next model trained learns them." in page
    assert page.count("data-person ") == 1  # only B is left


def test_a_new_name_enrols_the_person_as_the_athletes_api_does(staff_client, seen):
    b = seen["b"]

    response = staff_client.post(
        "/api/people/name/",
        {"faces": [face.pk for face in b], "name": "Roger Federer"},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert sorted(face["id"] for face in response.json()) == ids(b)
    assert {face["label"] for face in response.json()} == {"roger_federer"}
    athlete = Athlete.objects.get(label="roger_federer")
    assert athlete.display_name == "Roger Federer"
    assert set(Face.objects.filter(review__label="roger_federer").values_list("pk", flat=True)) == {
        face.pk for face in b
    }
    assert staff_client.get("/api/people/").json()["results"][0]["count"] == 3  # B went


def test_a_face_left_out_stays_unknown(staff_client, seen):
    kept, left_out = seen["a"][:2], seen["a"][2]

    response = staff_client.post(
        "/people/", {"person": kept[0].person_id, "faces": [f.pk for f in kept], "name": "Ann Lee"}
    )

    assert response.status_code == 302
    assert Face.objects.filter(review__label="ann_lee").count() == 2
    left_out.refresh_from_db()
    assert left_out.answer == "unknown"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"faces": [], "label": "lebron_james"}, "Choose at least one face of this person."),
        ({"faces": [999999], "label": "lebron_james"}, "No face has the id 999999."),
        ({"label": "lebron_james"}, "Choose at least one face of this person."),
        ({"faces": ["x"], "label": "lebron_james"}, "A valid integer is required."),
        ({"faces": "A1"}, "Pick an athlete or type the name of a new one"),
        ({"faces": "A1", "label": "lebron_james", "name": "Ann"}, "one of the two"),
        ({"faces": "A1", "label": "nobody"}, 'No athlete is labelled "nobody".'),
        ({"faces": "A1", "name": "Rafael Nadal"}, 'An athlete labelled "rafael_nadal" exists'),
        ({"faces": "A1", "name": "!!!"}, "Give a name with letters."),
        ({"faces": "K", "label": "lebron_james"}, "Already named, so not part of an unknown"),
    ],
)
def test_bad_input_is_refused_with_a_sentence_and_nothing_recorded(
    staff_client, seen, body, reason
):
    known = Face.objects.exclude(label="unknown").get()
    chosen = {"A1": [seen["a"][0].pk, seen["a"][1].pk], "K": [known.pk]}
    if isinstance(body.get("faces"), str):
        body = {**body, "faces": chosen[body["faces"]]}
    reviews = FaceReview.objects.count()

    response = staff_client.post("/api/people/name/", body, content_type="application/json")

    assert response.status_code == 400
    assert reason in str(response.json())
    assert FaceReview.objects.count() == reviews
    assert Athlete.objects.count() == 2


def test_the_page_refuses_bad_input_in_words_and_keeps_what_was_typed(staff_client, seen):
    response = staff_client.post(
        "/people/",
        {
            "person": seen["a"][0].person_id,
            "faces": [seen["a"][0].pk],
            "label": "lebron_james",
            "name": "Ann Lee",
        },  # fmt: skip
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Pick an athlete or type the name of a new one (one of the two)." in html
    assert 'value="Ann Lee"' in html
    assert f'value="{seen["a"][1].pk}" data-face>' in html  # left unticked, as posted
    assert "Error" not in html and "Exception" not in html
    assert FaceReview.objects.filter(verdict="correct", label="lebron_james").count() == 0


def test_the_page_asks_for_a_face_when_none_is_ticked(staff_client, seen):
    response = staff_client.post(
        "/people/", {"person": seen["a"][0].person_id, "label": "lebron_james", "name": ""}
    )

    assert response.status_code == 400
    assert "Choose at least one face of this person." in response.content.decode()
    assert not FaceReview.objects.filter(label="lebron_james").exists()


def test_visitors_are_sent_to_sign_in_and_the_api_refuses_them(client, seen):
    page = client.get("/people/")
    api = client.get("/api/people/")
    naming = client.post("/api/people/name/", {"faces": [seen["a"][0].pk], "label": "lebron_james"})

    assert page.status_code == 302 and page["Location"].startswith("/admin/login/?next=/people/")
    assert api.status_code in (401, 403) and naming.status_code in (401, 403)
    assert FaceReview.objects.filter(label="lebron_james").count() == 0


def test_users_without_the_review_permission_are_refused(user_client, seen):
    assert user_client.get("/people/").status_code == 403
    assert user_client.get("/api/people/").status_code == 403
    naming = user_client.post(
        "/api/people/name/", {"faces": [seen["a"][0].pk], "label": "lebron_james"}
    )
    assert naming.status_code == 403
    assert "People</a>" not in user_client.get("/").content.decode()


def test_a_reviewer_who_may_not_add_athletes_names_only_enrolled_ones(
    client, seen, django_user_model
):
    reviewer = django_user_model.objects.create_user("reviewer")
    reviewer.user_permissions.set(
        Permission.objects.filter(codename__in=["review_prediction", "view_prediction"])
    )
    client.force_login(reviewer)
    faces = [face.pk for face in seen["b"]]

    refused = client.post("/api/people/name/", {"faces": faces, "name": "Ann Lee"})
    named = client.post("/api/people/name/", {"faces": faces, "label": "rafael_nadal"})

    assert refused.status_code == 400
    assert "needs the permission to add athletes" in str(refused.json())
    assert 'name="name"' not in client.get("/people/").content.decode()
    assert named.status_code == 200
    assert Face.objects.filter(review__label="rafael_nadal").count() == 2
    assert not Athlete.objects.filter(label="ann_lee").exists()


def test_the_page_form_needs_its_csrf_token(seen, staff):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)
    faces = [face.pk for face in seen["b"]]

    person = seen["b"][0].person_id
    refused = browser.post("/people/", {"person": person, "faces": faces, "label": "rafael_nadal"})
    token = browser.get("/people/").cookies["csrftoken"].value
    named = browser.post(
        "/people/",
        {"person": person, "faces": faces, "label": "rafael_nadal", "csrfmiddlewaretoken": token},
    )

    assert refused.status_code == 403
    assert named.status_code == 302
    assert Face.objects.filter(review__label="rafael_nadal").count() == 2
