"""The history at a hundred photos: the count, a page jump, a sort, the export link of the
filtered list; the compact view and a page of sensible height on a desktop and a phone."""

import pytest

from tests.web.browser import axe_violations, on_desktop_and_phone, screenshot, sign_in_as

pytestmark = pytest.mark.browser

# On a phone a page of 24 cards was about 7,800 px tall.
PHONE_PAGE_MAX_PX = 3_500


@pytest.fixture
def hundred(make_prediction, with_files):
    for number in range(100):
        label = ["rafael_nadal", "lebron_james", "unknown", "no_face"][number % 4]
        with_files(make_prediction(
            original_name=f"photo-{number:03}.jpg", label=label, confidence=number / 100,
        ))  # fmt: skip


def test_it_counts_sorts_jumps_and_exports(page, live_server, hundred, client, staff):
    sign_in_as(page, client, staff, live_server.url)
    page.goto(f"{live_server.url}/predictions/")

    assert page.inner_text(".count") == "100 photos"
    page.select_option("select[name=sort]", "confidence")
    page.select_option("select[name=label]", "rafael_nadal")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**sort=confidence**")
    assert page.inner_text(".count") == "25 photos"
    assert page.locator(".card-file").first.inner_text().startswith("photo-096.jpg")

    page.fill(".page-jump input[name=page]", "2")
    page.keyboard.press("Enter")
    page.wait_for_url("**page=2**")
    assert page.locator(".card").count() == 1
    assert page.locator(".card-file").first.inner_text().startswith("photo-000.jpg")
    href = page.get_by_role("link", name="CSV").get_attribute("href")
    assert href.startswith("/predictions/export.csv?") and "label=rafael_nadal" in href
    assert "page=" not in href
    assert axe_violations(page) == []


@on_desktop_and_phone
def test_the_compact_view_and_a_phone_page_stay_short(
    page, viewport, live_server, hundred, client, staff
):
    sign_in_as(page, client, staff, live_server.url)

    page.goto(f"{live_server.url}/predictions/")
    height = page.evaluate("document.documentElement.scrollHeight")
    screenshot(page, f"history-{viewport}")
    if viewport == "phone":
        assert height < PHONE_PAGE_MAX_PX, height

    page.select_option("select[name=view]", "compact")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**view=compact**")
    assert page.locator("table.compact tbody tr").count() == 24
    assert page.evaluate("document.documentElement.scrollHeight") < height
    assert axe_violations(page) == []
