"""More photos of this person (/faces/<id>/more-photos/ and /api/faces/<id>/more-photos/): the
faces nearest one face across the archive, from any face, an athlete's or an unknown one."""

import pytest

from classifier.models import Face
from classifier.models.embeddings import embedding_bytes
from tests.web.test_people import SURE_NADAL, UNKNOWN_FACE, direction, stranger

pytestmark = pytest.mark.db_engine


@pytest.fixture
def archive(make_prediction) -> dict[str, list[Face]]:
    """Person A in three photos, a sure Nadal face that looks like A, person B, and a photo
    with A's face beside a face of C."""
    a = [
        stranger(make_prediction, direction(0, w), f"a{n}.jpg") for n, w in enumerate([0, 0.1, 0.2])
    ]
    nadal = make_prediction(faces=[SURE_NADAL], original_name="nadal.jpg").faces.get()
    Face.objects.filter(pk=nadal.pk).update(embedding=embedding_bytes(direction(0, 0.3)))
    b = [stranger(make_prediction, direction(30), "b.jpg")]
    pair = stranger(make_prediction, direction(0, 0.05), "pair.jpg", faces=(UNKNOWN_FACE,) * 2)
    beside = pair.prediction.faces.get(position=1)
    Face.objects.filter(pk=beside.pk).update(embedding=embedding_bytes(direction(20)))
    return {"a": a, "nadal": [nadal], "b": b, "pair": [pair, beside]}  # fmt: skip


def test_the_api_lists_the_nearest_faces_in_other_photos_most_alike_first(staff_client, archive):
    asked = archive["a"][0]

    response = staff_client.get(f"/api/faces/{asked.pk}/more-photos/")

    assert response.status_code == 200
    found = response.json()
    ids = [face["id"] for face in found]
    near = [archive["pair"][0].pk, archive["a"][1].pk, archive["a"][2].pk, archive["nadal"][0].pk]
    assert ids[:4] == near
    assert asked.pk not in ids
    similarities = [face["similarity"] for face in found]
    assert similarities == sorted(similarities, reverse=True) and similarities[0] > 0.99
    assert set(found[0]) == {"id", "box", "prediction", "image_url", "answer", "person",
                             "similarity"}  # fmt: skip
    assert found[3]["answer"] == "rafael_nadal" and found[3]["person"] is None


def test_an_athletes_face_finds_the_unknown_faces_like_it(staff_client, archive):
    response = staff_client.get(f"/api/faces/{archive['nadal'][0].pk}/more-photos/")

    ids = [face["id"] for face in response.json()]
    assert set(ids[:4]) == {face.pk for face in archive["a"]} | {archive["pair"][0].pk}


def test_faces_beside_it_in_the_same_photo_are_not_more_photos(staff_client, archive):
    pair, beside = archive["pair"]
    Face.objects.filter(pk=beside.pk).update(embedding=embedding_bytes(direction(0, 0.06)))

    ids = [face["id"] for face in staff_client.get(f"/api/faces/{pair.pk}/more-photos/").json()]

    assert beside.pk not in ids and archive["a"][0].pk in ids


def test_a_face_without_an_embedding_has_none(staff_client, make_prediction):
    old = make_prediction(faces=[UNKNOWN_FACE]).faces.get()

    response = staff_client.get(f"/api/faces/{old.pk}/more-photos/")

    assert response.status_code == 200 and response.json() == []
    assert (
        "No other photo has a face like this one."
        in staff_client.get(f"/faces/{old.pk}/more-photos/").content.decode()
    )


def test_the_page_shows_each_face_with_its_photo_and_how_alike(staff_client, archive):
    asked = archive["a"][0]

    response = staff_client.get(f"/faces/{asked.pk}/more-photos/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "More photos of this person" in html
    assert f'<a href="/predictions/{archive["a"][1].prediction_id}/">' in html
    assert "rafael_nadal ·" in html and "% alike" in html
    assert "in a group of 4 faces" in html
    people = staff_client.get("/people/").content.decode()
    assert 'href="/faces/' in people and "More photos of this person" in people


def test_a_face_that_does_not_exist_is_not_found(staff_client, archive):
    assert staff_client.get("/api/faces/999999/more-photos/").status_code == 404
    assert staff_client.get("/api/faces/x/more-photos/").status_code == 404
    assert staff_client.get("/faces/999999/more-photos/").status_code == 404
    assert staff_client.get("/faces/x/more-photos/").status_code == 404
