"""A prediction's page and GET /api/predictions/{id}/."""

import uuid

import pytest


def test_the_page_shows_the_answer_its_faces_and_one_confidence(client, make_prediction, staff):
    face = {
        "box": [4, 5, 20, 21],
        "label": "rafael_nadal",
        "candidate": "rafael_nadal",
        "score": 0.97,
        "needs_review": False,
        "detection_confidence": 0.99,
    }
    prediction = make_prediction(faces=[face], confidence=0.97, timings={"detect_ms": 12.0})

    response = client.get(f"/predictions/{prediction.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Rafael Nadal" in html
    assert "97.0% confident" in html
    assert "LeBron James" not in html  # the old per-athlete probabilities are not shown
    assert "4, 5, 20, 21" in html
    assert prediction.annotated.url in html
    assert "v1" in html
    assert "detect: 12 ms" in html
    assert "Not reviewed yet" in html
    assert 'http-equiv="refresh"' not in html


@pytest.mark.db_engine  # jsonb reorders keys
def test_timings_are_shown_in_the_order_the_work_happened(client, make_prediction):
    # As PostgreSQL's jsonb returns them: shortest key first.
    timings = {"queue_ms": 9, "embed_ms": 28, "total_ms": 84, "detect_ms": 55, "worker_ms": 89}
    prediction = make_prediction(timings=timings)

    html = client.get(f"/predictions/{prediction.pk}/").content.decode()

    steps = ["queue: 9", "detect: 55", "embed: 28", "total: 84", "worker: 89"]
    positions = [html.index(step) for step in steps]
    assert positions == sorted(positions)


def test_a_pending_page_refreshes_itself_without_javascript(client, make_prediction):
    prediction = make_prediction(status="queued", label="", annotated="")

    response = client.get(f"/predictions/{prediction.pk}/")

    html = response.content.decode()
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert f'data-prediction-api="/api/predictions/{prediction.pk}/"' in html
    assert prediction.image.url in html


def test_a_failed_page_shows_the_reason(client, make_prediction):
    prediction = make_prediction(status="failed", label="", error="The worker gave up.")

    response = client.get(f"/predictions/{prediction.pk}/")

    assert "The worker gave up." in response.content.decode()


def test_a_missing_prediction_is_404(client, db):
    assert client.get(f"/predictions/{uuid.uuid4()}/").status_code == 404
    assert client.get(f"/api/predictions/{uuid.uuid4()}/").status_code == 404
    assert client.get("/api/predictions/not-a-uuid/").status_code == 404


def test_the_api_gives_every_documented_field(client, make_prediction, staff):
    prediction = make_prediction()
    prediction.review_all_faces(staff, "confirm")

    response = client.get(f"/api/predictions/{prediction.pk}/")

    assert response.status_code == 200
    body = response.json()
    for field in (
        "id", "status", "label", "confidence", "faces", "model_version", "created_at",
        "finished_at", "error", "image_url", "annotated_url", "needs_review", "reviewed",
        "review",
    ):  # fmt: skip
        assert field in body
    assert body["model_version"] == "v1"
    assert body["image_url"] == f"http://testserver{prediction.image.url}"
    assert body["review"]["verdict"] == "confirm"


@pytest.mark.db_engine  # a text search (q)
def test_it_never_shows_who_reviewed_to_the_public(
    client, user_client, make_prediction, django_user_model
):
    ann = django_user_model.objects.create_user("reviewer-ann", is_staff=True, is_superuser=True)
    prediction = make_prediction()
    prediction.review_all_faces(ann, "correct", "unknown")
    url = f"/api/predictions/{prediction.pk}/"

    public = [client.get(url).json(), user_client.get(url).json()]
    listed = client.get(f"/api/predictions/?q={prediction.original_name}")
    page = client.get(f"/predictions/{prediction.pk}/").content.decode()
    client.force_login(ann)

    decision = {
        "verdict": "correct",
        "label": "unknown",
        "reviewed_at": public[0]["review"]["reviewed_at"],
    }
    assert [body["review"] for body in public] == [decision] * 2
    assert [body["faces"][0]["review"] for body in public] == [decision] * 2
    assert "reviewer-ann" not in listed.content.decode() and "reviewer-ann" not in page
    staff_view = client.get(url).json()
    assert staff_view["review"]["reviewer"] == "reviewer-ann"
    assert staff_view["faces"][0]["review"]["model_label"] == "rafael_nadal"


def test_anyone_with_the_id_can_read_a_prediction(client, make_prediction):
    prediction = make_prediction()

    assert client.get(f"/api/predictions/{prediction.pk}/").status_code == 200
    assert client.get(f"/predictions/{prediction.pk}/").status_code == 200


def test_an_uncertain_face_shows_its_candidate_as_needing_review(client, make_prediction):
    face = {
        "box": [4, 5, 20, 21],
        "label": "unknown",
        "candidate": "lebron_james",
        "score": 0.55,
        "needs_review": True,
        "detection_confidence": 0.99,
    }
    prediction = make_prediction(faces=[face], label="unknown", confidence=0.55)

    response = client.get(f"/predictions/{prediction.pk}/")

    assert response.status_code == 200
    assert "Possibly LeBron James, needs review" in response.content.decode()
    (stored,) = prediction.faces.all()
    assert (stored.label, stored.candidate, stored.needs_review) == (
        "unknown",
        "lebron_james",
        True,
    )
