"""Inviting a reviewer from the browser, on a desktop and a phone: staff invite, copy the
one-time link, and the invited person sets a password in another browser and signs in; each
page passes axe and fits the screen."""

import pytest

from tests.web.browser import axe_violations, new_page, on_desktop_and_phone, sign_in_as

pytestmark = pytest.mark.browser

NEW_PASSWORD = "tennis-clay-court-2026"


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@on_desktop_and_phone
def test_staff_invite_a_reviewer_who_sets_a_password_and_signs_in(
    page, browser, viewport, live_server, client, staff, django_user_model
):
    sign_in_as(page, client, staff, live_server.url)
    page.goto(f"{live_server.url}/accounts/")
    page.fill("#id_username", "rita")
    page.select_option("#id_role", "reviewer")
    page.click("button:has-text('Invite')")
    link = page.input_value("#invite-link")
    assert axe_violations(page) == []
    assert fits(page)
    assert django_user_model.objects.get(username="rita").has_perm("classifier.review_prediction")

    invited = new_page(browser, viewport)
    try:
        invited.goto(link)
        assert axe_violations(invited) == []
        invited.fill("#id_new_password1", NEW_PASSWORD)
        invited.fill("#id_new_password2", NEW_PASSWORD)
        invited.click("button:has-text('Set the password')")
        invited.click("main >> text=sign in")
        invited.fill("#id_username", "rita")
        invited.fill("#id_password", NEW_PASSWORD)
        invited.click("main button:has-text('Sign in')")
        invited.wait_for_url("**/predictions/")
        assert invited.goto(f"{live_server.url}/review/").status == 200
    finally:
        invited.context.close()
