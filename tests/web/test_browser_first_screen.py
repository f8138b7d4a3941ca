"""The first screen: a visible "Choose photos" button above the fold, reached and opened with
the keyboard, and no "drop" on a touch screen (each on a desktop and a phone); a photo dropped
anywhere is uploaded instead of opened."""

import pytest

from classifier.models import Prediction
from tests.web.browser import axe_violations, on_desktop_and_phone, screenshot, tab_to
from tests.web.conftest import jpeg_bytes

pytestmark = pytest.mark.browser


@on_desktop_and_phone
def test_it_shows_a_choose_photos_button_that_the_keyboard_opens(
    page, viewport, live_server, model_version
):
    page.goto(live_server.url)

    button = page.get_by_role("button", name="Choose photos")
    assert button.is_visible()
    box = button.bounding_box()
    assert box["y"] + box["height"] <= page.viewport_size["height"]  # above the fold
    tab_to(page, "button.choose")
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[0] != "none" and outline[1] >= 2, outline
    # The file input's click is what opens the system's file chooser; record it instead.
    page.evaluate(
        """() => document.querySelector("input[type=file]").addEventListener("click",
            (event) => { window.chooserOpened = event.target.multiple; event.preventDefault(); })"""
    )
    page.keyboard.press("Enter")
    assert page.evaluate("window.chooserOpened") is True
    assert axe_violations(page) == []
    screenshot(page, f"upload-{viewport}")


@on_desktop_and_phone
def test_it_says_drop_only_where_there_is_a_mouse(page, viewport, live_server, model_version):
    page.goto(live_server.url)

    text = page.inner_text("main")
    if viewport == "phone":
        assert "drop" not in text.lower(), text
    else:
        assert page.locator(".drop-hint").is_visible()


def test_it_uploads_a_photo_dropped_outside_the_button(
    page, live_server, model_version, sent_tasks
):
    page.goto(live_server.url)

    prevented = page.evaluate(
        """(bytes) => {
            const data = new DataTransfer();
            const file = new File([new Uint8Array(bytes)], "dropped.jpg", {type: "image/jpeg"});
            data.items.add(file);
            const options = {dataTransfer: data, bubbles: true, cancelable: true};
            const drop = new DragEvent("drop", options);
            document.querySelector("footer").dispatchEvent(drop);
            return drop.defaultPrevented;
        }""",
        list(jpeg_bytes()),
    )

    assert prevented  # the browser does not open the file and leave the site
    page.locator("#uploads .card .badge-queued").wait_for()
    assert page.url.rstrip("/") == live_server.url
    prediction = Prediction.objects.get(original_name="dropped.jpg")
    assert prediction.status == "queued" and sent_tasks == [str(prediction.pk)]
