"""Anonymous uploads are limited per client address, in the API and the HTML form alike, and a
client cannot pick its own address with an ``X-Forwarded-For`` header."""

import pytest

from classifier.models import Prediction
from tests.web.conftest import jpeg_bytes, upload_file

ACCEPTED = {"/api/predictions/": 202, "/upload/": 302}


@pytest.fixture
def upload(client, model_version, sent_tasks, settings):
    settings.ATHLETES_UPLOAD_RATE = "1/hour"  # a minute window could restart mid-test
    colours = iter(range(256))

    def upload(path: str, **headers) -> int:
        photo = upload_file(jpeg_bytes(colour=(next(colours), 0, 0)))
        return client.post(path, {"image": photo}, **headers).status_code

    return upload


@pytest.mark.parametrize("path", ACCEPTED)
def test_each_address_has_its_own_limit(upload, path):
    statuses = [
        upload(path, REMOTE_ADDR="192.0.2.1"),
        upload(path, REMOTE_ADDR="192.0.2.2"),
        upload(path, REMOTE_ADDR="192.0.2.1"),
    ]

    assert statuses == [ACCEPTED[path], ACCEPTED[path], 429]
    assert Prediction.objects.count() == 2


@pytest.mark.parametrize("path", ACCEPTED)
def test_a_forged_forwarded_for_header_does_not_escape_the_limit(upload, path):
    statuses = [
        upload(path, REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        for n in range(3)
    ]

    assert statuses == [ACCEPTED[path], 429, 429]
    assert Prediction.objects.count() == 1


@pytest.mark.parametrize("path", ACCEPTED)
def test_behind_a_trusted_proxy_the_address_it_saw_is_the_one_limited(upload, settings, path):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = {"REMOTE_ADDR": "10.0.0.1"}

    statuses = [
        upload(path, HTTP_X_FORWARDED_FOR="198.51.100.1, 192.0.2.7", **proxy),
        upload(path, HTTP_X_FORWARDED_FOR="198.51.100.2, 192.0.2.7", **proxy),
        upload(path, HTTP_X_FORWARDED_FOR="198.51.100.1, 192.0.2.8", **proxy),
    ]

    assert statuses == [ACCEPTED[path], 429, ACCEPTED[path]]
