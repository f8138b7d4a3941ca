"""Every photo of an athlete: /athletes/<label>/ and /api/predictions/?athlete=<label>."""

from datetime import date

import pytest

from classifier.models import Event


def face(label: str, candidate: str = "", needs_review: bool = False, x: int = 4) -> dict:
    return {"box": [x, 4, 20, 20], "label": label, "candidate": candidate or label,
            "score": 0.9, "needs_review": needs_review}  # fmt: skip


@pytest.fixture
def final(db) -> Event:
    return Event.objects.create(name="Final", date=date(2026, 6, 7))


@pytest.fixture
def photos(make_prediction, staff, final):
    """Photos of LeBron James, and photos that are not."""
    made = {
        "alone": make_prediction(original_name="alone.jpg", label="lebron_james",
                                 faces=[face("lebron_james")], event=final),
        # His face is sure, but the photo's answer is Nadal's (the better score).
        "group": make_prediction(original_name="group.jpg", label="rafael_nadal",
                                 faces=[face("rafael_nadal"), face("lebron_james", x=40)]),
        "reviewed": make_prediction(original_name="reviewed.jpg", label="unknown",
                                    faces=[face("unknown", "lebron_james", True)]),
        "maybe": make_prediction(original_name="maybe.jpg", label="unknown",
                                 faces=[face("unknown", "lebron_james", True)]),
        "corrected": make_prediction(original_name="corrected.jpg", label="lebron_james",
                                     faces=[face("lebron_james")]),
        "nadal": make_prediction(original_name="nadal.jpg", label="rafael_nadal",
                                 faces=[face("rafael_nadal")]),
    }  # fmt: skip
    made["reviewed"].faces.get().record_review(staff, "confirm")
    made["corrected"].faces.get().record_review(staff, "correct", "unknown")
    return made


@pytest.mark.db_engine  # faces and reviews joined, distinct
def test_the_api_lists_every_photo_where_he_was_named(staff_client, photos):
    response = staff_client.get("/api/predictions/", {"athlete": "lebron_james"})

    assert response.status_code == 200
    names = sorted(item["original_name"] for item in response.json()["results"])
    assert names == ["alone.jpg", "group.jpg", "reviewed.jpg"]


def test_the_api_combines_the_athlete_and_the_event(staff_client, photos, final):
    response = staff_client.get("/api/predictions/", {"athlete": "lebron_james", "event": final.pk})

    assert [item["original_name"] for item in response.json()["results"]] == ["alone.jpg"]


def test_the_api_refuses_an_unknown_athlete(staff_client, photos):
    response = staff_client.get("/api/predictions/", {"athlete": "roger_federer"})

    assert response.status_code == 400
    assert "athlete" in response.json()


@pytest.mark.db_engine  # faces and reviews joined, distinct
def test_the_page_shows_the_same_photos_and_filters_by_event(staff_client, photos, final):
    page = staff_client.get("/athletes/lebron_james/")
    in_final = staff_client.get("/athletes/lebron_james/", {"event": final.pk})

    assert page.status_code == 200
    assert "<h1>LeBron James</h1>" in page.content.decode()
    listed = sorted(p.original_name for p in page.context["page"].object_list)
    assert listed == ["alone.jpg", "group.jpg", "reviewed.jpg"]
    assert [p.original_name for p in in_final.context["page"].object_list] == ["alone.jpg"]


def test_the_page_lists_only_the_photos_you_may_list(client, photos):
    response = client.get("/athletes/lebron_james/")

    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []


def test_the_page_of_an_unknown_athlete_is_404(client, db):
    assert client.get("/athletes/roger_federer/").status_code == 404


def test_a_named_face_links_to_the_athletes_page(client, photos):
    page = client.get(f"/predictions/{photos['group'].pk}/").content.decode()

    assert '<a href="/athletes/lebron_james/">LeBron James</a>' in page
    assert '<a href="/athletes/rafael_nadal/">Rafael Nadal</a>' in page
