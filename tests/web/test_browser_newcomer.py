"""A newcomer's path with the keyboard alone: open the site, upload
three photos, read the results, sign up and sign in, then sign in from another browser and find
them.
Also the friendly 404 page and the account pages, checked by axe-core."""

import pytest

from classifier.models import Prediction
from tests.web.browser import axe_violations, new_page, tab_to

pytestmark = pytest.mark.browser

USERNAME, PASSWORD = "newfan", "tennis-clay-court-2026"


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def test_a_newcomer_finds_their_photos_from_another_browser(
    page, viewport, browser, live_server, model_version, sent_tasks, sample_data, settings
):
    settings.ATHLETES_SIGNUP = True
    photos = [str(sample_data / "rafael_nadal" / f"nadal({n}).jpg") for n in (3, 8, 9)]
    # Only the system's file dialog is not the page's: Playwright answers it.
    page.on("filechooser", lambda chooser: chooser.set_files(photos))
    page.goto(live_server.url)

    tab_to(page, "button.choose")
    page.keyboard.press("Enter")
    page.locator("#uploads .badge-queued").nth(2).wait_for()
    Prediction.objects.update(status="done", label="rafael_nadal", confidence=0.9)  # the worker
    page.locator("#uploads .badge-done").nth(2).wait_for()
    assert page.inner_text("#upload-summary") == "3 done: 3 named."

    tab_to(page, "#uploads .card > a")
    page.keyboard.press("Enter")
    page.wait_for_url("**/predictions/*/")
    assert page.inner_text("h1.answer") == "Rafael Nadal"

    tab_to(page, "a[href='/accounts/signup/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/signup/")
    assert axe_violations(page) == []
    type_into(page, "#id_username", USERNAME)
    type_into(page, "#id_password1", PASSWORD)
    type_into(page, "#id_password2", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/login/")
    type_into(page, "#id_username", USERNAME)
    type_into(page, "#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/predictions/")
    assert Prediction.objects.filter(uploader__username=USERNAME).count() == 3

    elsewhere = new_page(browser, viewport)  # tomorrow, another browser
    try:
        elsewhere.goto(live_server.url)
        tab_to(elsewhere, "a[href='/accounts/login/']")
        elsewhere.keyboard.press("Enter")
        elsewhere.wait_for_url("**/accounts/login/")
        assert axe_violations(elsewhere) == []
        type_into(elsewhere, "#id_username", USERNAME)
        type_into(elsewhere, "#id_password", PASSWORD)
        elsewhere.keyboard.press("Enter")
        elsewhere.wait_for_url("**/predictions/")
        assert elsewhere.inner_text(".count") == "3 photos"
        assert elsewhere.locator(".card").count() == 3
    finally:
        elsewhere.context.close()


def test_a_bad_link_gets_a_friendly_page(page, live_server, db):
    response = page.goto(f"{live_server.url}/predictions/00000000-0000-0000-0000-000000000000/")

    assert response.status == 404
    assert page.inner_text("h1") == "This page does not exist"
    assert axe_violations(page) == []
