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


def test_new_accounts_from_one_address_share_its_limit(
    client, django_user_model, model_version, sent_tasks, settings
):
    settings.ATHLETES_UPLOAD_RATE = "2/hour"  # a minute window could restart mid-test
    statuses = []
    for n in range(3):  # three fresh accounts, one photo each, from one address
        client.force_login(django_user_model.objects.create_user(f"fan{n}"))
        image = upload_file(jpeg_bytes(colour=(n, 0, 0)))
        statuses.append(client.post("/api/predictions/", {"image": image}).status_code)

    assert statuses == [202, 202, 429]
    assert Prediction.objects.count() == 2


def test_one_visitor_may_fill_only_a_share_of_the_queue(
    client, django_user_model, model_version, sent_tasks, settings
):
    settings.ATHLETES_BACKLOG_SHARE = 2

    def send(n: int, address: str) -> int:
        image = upload_file(jpeg_bytes(colour=(n, 0, 0)))
        return client.post("/api/predictions/", {"image": image}, REMOTE_ADDR=address).status_code

    assert [send(n, "10.0.0.1") for n in range(3)] == [202, 202, 429]
    refused = client.post(
        "/api/predictions/", {"image": upload_file(jpeg_bytes(colour=(9, 9, 9)))},
        REMOTE_ADDR="10.0.0.1",
    )  # fmt: skip
    assert refused.json()["detail"].startswith("You have 2 photos or more waiting")
    # Signed in, from another address, the account's queued photos still count.
    client.force_login(django_user_model.objects.create_user("fan"))
    Prediction.objects.update(uploader=django_user_model.objects.get(username="fan"))
    assert send(5, "10.0.0.2") == 429
    client.logout()
    assert send(6, "10.0.0.3") == 202
    # Once a worker takes a photo, it no longer counts.
    Prediction.objects.filter(status="queued").update(status="running")
    assert send(7, "10.0.0.1") == 202
