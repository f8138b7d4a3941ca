"""Failures: a refused photo and a failed one are told apart and say
why, nothing shows a broken image, retry and delete are on the cards, and the size limit is
checked before sending."""

import pytest

from classifier.models import Prediction
from tests.web.browser import axe_violations, sign_in_as

pytestmark = pytest.mark.browser

EVERY_IMAGE_SHOWN = "() => [...document.images].every((i) => i.complete && i.naturalWidth > 0)"


@pytest.fixture
def failures(make_prediction, with_files, user):
    refused = make_prediction(
        uploader=user, status="refused", label="", original_name="notes.jpg", annotated="",
        error="This file is not an image we can read; send a JPEG, PNG, WebP, BMP or GIF.",
    )  # fmt: skip
    failed = with_files(make_prediction(
        uploader=user, status="failed", label="", original_name="crash.jpg", annotated="",
        error="Failed after 3 attempts: MemoryError.", attempts=3,
    ))  # fmt: skip
    return refused, failed


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("fan", password="a-long-test-password")


def test_it_tells_a_refused_photo_from_a_failed_one_and_says_why(
    page, live_server, failures, client, user
):
    sign_in_as(page, client, user, live_server.url)

    page.goto(f"{live_server.url}/predictions/")

    refused = page.locator(".card", has_text="notes.jpg")
    failed = page.locator(".card", has_text="crash.jpg")
    assert refused.locator(".badge").inner_text() == "Refused"
    assert failed.locator(".badge").inner_text() == "Failed"
    assert "not an image we can read" in refused.locator(".card-reason").inner_text()
    assert failed.locator(".card-reason").inner_text() == "Failed after 3 attempts: MemoryError."
    assert refused.locator(".no-preview").is_visible()
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function(EVERY_IMAGE_SHOWN)
    assert refused.get_by_role("button", name="Retry notes.jpg").count() == 0
    assert axe_violations(page) == []


def test_it_retries_a_failed_photo_from_its_card(
    page, live_server, failures, client, user, sent_tasks
):
    sign_in_as(page, client, user, live_server.url)
    page.goto(f"{live_server.url}/predictions/")

    page.get_by_role("button", name="Retry crash.jpg").click()

    page.wait_for_url(f"**/predictions/{failures[1].pk}/")
    assert "crash.jpg is queued again." in page.inner_text(".messages")
    failures[1].refresh_from_db()
    assert failures[1].status == "queued" and sent_tasks == [str(failures[1].pk)]


def test_it_deletes_a_photo_from_its_card(page, live_server, failures, client, user):
    sign_in_as(page, client, user, live_server.url)
    page.goto(f"{live_server.url}/predictions/")

    page.get_by_role("link", name="Delete notes.jpg").click()
    page.get_by_role("button", name="Delete for good").click()

    page.wait_for_url("**/predictions/")
    assert "notes.jpg was deleted" in page.inner_text(".messages")
    assert not Prediction.objects.filter(pk=failures[0].pk).exists()


def test_it_refuses_a_photo_over_the_limit_before_sending_it(
    page, live_server, model_version, settings, sent_tasks
):
    settings.ATHLETES_MAX_UPLOAD_BYTES = 1000
    uploads = []
    page.on(
        "request", lambda request: uploads.append(request.url) if request.method == "POST" else 0
    )
    page.goto(live_server.url)

    big = {"name": "big.jpg", "mimeType": "image/jpeg", "buffer": b"\xff" * 5000}
    page.set_input_files("input[type=file]", big)

    card = page.locator("#uploads .card")
    assert card.locator(".badge").inner_text() == "refused"
    assert "too large" in card.locator(".card-reason").inner_text()
    assert uploads == [] and not Prediction.objects.exists()


def test_a_file_that_is_no_photo_gets_no_broken_image(page, live_server, model_version, sent_tasks):
    page.goto(live_server.url)

    text = {"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo at all"}
    page.set_input_files("input[type=file]", text)

    card = page.locator("#uploads .card")
    card.locator(".badge-refused").wait_for()
    assert "not an image we can read" in card.locator(".card-reason").inner_text()
    card.locator(".no-preview").wait_for()
    assert page.evaluate(EVERY_IMAGE_SHOWN)
    assert not Prediction.objects.exists()
