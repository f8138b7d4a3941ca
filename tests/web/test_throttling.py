"""Anonymous uploads are throttled, through the API and the HTML form alike; staff are not."""

from classifier.models import Prediction
from tests.web.conftest import jpeg_bytes, upload_file


def test_the_api_throttles_anonymous_uploads(client, model_version, sent_tasks, settings):
    settings.ATHLETES_UPLOAD_RATE = "2/hour"  # a minute window could restart mid-test

    statuses = [
        client.post(
            "/api/predictions/", {"image": upload_file(jpeg_bytes(colour=(i, 0, 0)))}
        ).status_code
        for i in range(3)
    ]

    assert statuses == [202, 202, 429]
    assert Prediction.objects.count() == 2


def test_the_form_shares_the_same_limit(client, model_version, sent_tasks, settings):
    settings.ATHLETES_UPLOAD_RATE = "1/hour"  # a minute window could restart mid-test
    client.post("/api/predictions/", {"image": upload_file(jpeg_bytes())})

    response = client.post("/upload/", {"image": upload_file(jpeg_bytes(colour=(1, 2, 3)))})

    assert response.status_code == 429
    assert "Too many uploads" in response.content.decode()
    assert Prediction.objects.count() == 1


def test_staff_are_not_throttled(staff_client, model_version, sent_tasks, settings):
    settings.ATHLETES_UPLOAD_RATE = "1/hour"  # a minute window could restart mid-test

    for i in range(3):
        response = staff_client.post(
            "/api/predictions/", {"image": upload_file(jpeg_bytes(colour=(i, 0, 0)))}
        )
        assert response.status_code == 202

    assert Prediction.objects.count() == 3


def test_reading_is_not_throttled(client, make_prediction, settings):
    settings.ATHLETES_UPLOAD_RATE = "1/hour"  # a minute window could restart mid-test
    prediction = make_prediction()

    statuses = {client.get(f"/api/predictions/{prediction.pk}/").status_code for _ in range(5)}

    assert statuses == {200}
