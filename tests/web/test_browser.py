"""In Debian's Chromium, against the live site and a real worker: upload with live status, a
group photo, the history filter, the admin's confirm and correct actions, and the review queue's
keys; the manual's result, group photo and review screenshots come from here."""

import pytest

from classifier.models import Athlete, Face, FaceReview, Prediction
from tests.web.browser import axe_violations, new_page, screenshot, sign_in_as
from tests.web.conftest import (
    PASSWORD,
    jpeg_bytes,
    photo_review,
    upload_file,
    wait_until_finished,
)

pytestmark = pytest.mark.browser


def sign_in(page, live_server, staff) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", staff.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def test_a_pending_result_page_updates_itself(
    page, live_server, active_model, worker, client, sample_data
):
    """Runs first, so the worker is warm before the screenshot's upload."""
    photo = sample_data / "lebron_james" / "james(2).jpg"
    response = client.post("/api/predictions/", {"image": upload_file(photo.read_bytes())})

    page.goto(f"{live_server.url}/predictions/{response.json()['id']}/")

    name = active_model.manifest["display_names"]["lebron_james"]
    page.wait_for_selector(f"h1.answer:has-text('{name}')")
    assert Prediction.objects.get().label == "lebron_james"


def test_an_upload_shows_live_status_then_the_named_faces(
    page, live_server, active_model, worker, sample_data
):
    page.goto(live_server.url)
    page.evaluate(
        """() => {
            window.seen = [];
            new MutationObserver(() => document.querySelectorAll("#uploads .badge")
                .forEach((badge) => window.seen.push(badge.textContent)))
              .observe(document.getElementById("uploads"),
                       {subtree: true, childList: true, characterData: true});
        }"""
    )

    # Three at once, so the single worker has a queue the page must show; cards are added on
    # top, so the last photo's card comes first.
    photos = [
        sample_data / "lebron_james" / "james(5).jpg",
        sample_data / "rafael_nadal" / "nadal(8).jpg",
        sample_data / "rafael_nadal" / "nadal(3).jpg",
    ]
    page.set_input_files("input[type=file]", [str(photo) for photo in photos])

    cards = page.locator("#uploads .card")
    cards.locator(".badge-done").nth(2).wait_for()
    titles = cards.locator(".card-title").all_inner_texts()
    assert titles[0] == titles[1] == "Rafael Nadal"
    seen = page.evaluate("window.seen")
    # The page shows the state before the result (uploading, queued or running: how many a
    # fast worker leaves time for varies), then the result.
    assert seen and seen[0] != "done" and "done" in seen, seen
    cards.first.locator("a").click()
    page.wait_for_selector("h1.answer")
    assert page.inner_text("h1.answer") == "Rafael Nadal"
    assert "/media/annotated/" in page.get_attribute("text=With names drawn in", "href")
    assert page.locator(".face-map .face-box.face-named").count() >= 1
    assert page.locator("table.faces tbody tr").count() >= 1
    prediction = Prediction.objects.get(original_name="nadal(3).jpg")
    assert (prediction.status, prediction.label) == ("done", "rafael_nadal")
    screenshot(page, "result-desktop")

    # The first upload started this new visitor's session and the other two waited for it, so
    # all three are in that one session's history.
    names = [photo.name for photo in photos]
    visitors = set(Prediction.objects.filter(original_name__in=names).values_list("visitor"))
    assert len(visitors) == 1 and ("",) not in visitors
    # Sent together, they are one batch (the review queue's "your last upload").
    batches = set(Prediction.objects.filter(original_name__in=names).values_list("batch"))
    assert len(batches) == 1 and (None,) not in batches
    page.goto(f"{live_server.url}/predictions/")
    assert page.locator(".card").count() == 3


def test_the_history_filter(page, live_server, make_prediction, staff):
    make_prediction(original_name="serve.jpg", label="rafael_nadal")
    make_prediction(original_name="dunk.jpg", label="lebron_james")
    make_prediction(original_name="crowd.jpg", label="unknown")
    sign_in(page, live_server, staff)

    page.goto(f"{live_server.url}/predictions/")
    page.select_option("select[name=label]", "lebron_james")
    page.click(".filters button[type=submit]")

    page.wait_for_url("**/predictions/?label=lebron_james*")
    titles = page.locator(".card .card-file").all_inner_texts()
    assert len(titles) == 1 and titles[0].startswith("dunk.jpg")


def test_the_admin_confirm_and_correct_actions(page, live_server, make_prediction, staff):
    confirmed = make_prediction(original_name="serve.jpg", label="rafael_nadal")
    corrected = make_prediction(original_name="crowd.jpg", label="rafael_nadal")
    sign_in(page, live_server, staff)

    for prediction, action in ((confirmed, "confirm"), (corrected, "correct_to_unknown")):
        page.goto(f"{live_server.url}/admin/classifier/prediction/")
        page.check(f"input[name=_selected_action][value='{prediction.pk}']")
        page.select_option("select[name=action]", action)
        page.click("button[name=index]")
        page.wait_for_selector("text=Reviewed 1 prediction(s).")

    assert photo_review(confirmed).verdict == "confirm"
    review = photo_review(corrected)
    assert (review.verdict, review.label, review.reviewer) == ("correct", "unknown", staff)


def test_a_group_photo_and_its_review_on_a_desktop_and_a_phone(
    page, browser, live_server, active_model, worker, client, staff, sample_data
):
    """The manual's group photo and review screenshots, from the real model's answer."""
    photo = sample_data / "lebron_james" / "james(3).jpg"  # three faces
    upload = upload_file(photo.read_bytes(), name=photo.name)
    response = client.post("/api/predictions/", {"image": upload})
    prediction = wait_until_finished(Prediction.objects.get(pk=response.json()["id"]), worker)
    assert prediction.status == "done" and prediction.faces.count() >= 3

    phone = new_page(browser, "phone")
    try:
        for viewport, view in (("desktop", page), ("phone", phone)):
            view.goto(f"{live_server.url}/predictions/{prediction.pk}/")
            assert view.locator("table.faces tbody tr").count() == prediction.faces.count()
            assert axe_violations(view) == []
            screenshot(view, f"group-{viewport}")
    finally:
        phone.context.close()

    sign_in_as(page, client, staff, live_server.url)
    page.goto(f"{live_server.url}/review/?photo={prediction.pk}")
    assert axe_violations(page) == []
    screenshot(page, "review-desktop")


def face(box_x: int, label: str, candidate: str, score: float, needs_review=False) -> dict:
    return {
        "box": [box_x, 100, 90, 110],
        "label": label,
        "candidate": candidate,
        "score": score,
        "needs_review": needs_review,
    }


@pytest.fixture
def fifty_faces(make_prediction, media_root) -> dict[int, str]:
    """50 faces in 26 photos, each with the right answer: 8 group photos of 4 faces (half of
    them with an uncertain face that is not LeBron), 18 portraits (a third named wrongly)."""
    truth: dict[int, str] = {}

    def photo(faces: list[dict], answers: list[str]) -> None:
        prediction = make_prediction(faces=faces, width=640, height=480)
        path = media_root / prediction.image.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(jpeg_bytes(size=(640, 480), colour=(40 * len(truth) % 255, 90, 140)))
        for stored, answer in zip(prediction.faces.order_by("position"), answers, strict=True):
            truth[stored.pk] = answer

    for group in range(8):
        unsure_is_lebron = group % 2 == 0
        faces = [
            face(10, "rafael_nadal", "rafael_nadal", 0.9),
            face(160, "unknown", "lebron_james", 0.55, needs_review=True),
            face(310, "unknown", "lebron_james", 0.2),
            face(460, "unknown", "rafael_nadal", 0.1),
        ]
        unsure = "lebron_james" if unsure_is_lebron else "unknown"
        photo(faces, ["rafael_nadal", unsure, "unknown", "unknown"])
    for portrait in range(18):
        kind = portrait % 3
        if kind == 0:
            photo([face(200, "lebron_james", "lebron_james", 0.8)], ["lebron_james"])
        elif kind == 1:  # the model is sure, and wrong
            photo([face(200, "rafael_nadal", "rafael_nadal", 0.7)], ["lebron_james"])
        else:
            photo([face(200, "unknown", "rafael_nadal", 0.5, True)], ["rafael_nadal"])
    assert len(truth) == 50
    return truth


def test_reviewing_50_faces_takes_at_most_60_keys_or_clicks(page, live_server, fifty_faces, staff):
    """A reviewer who knows the answers: "P" confirms a photo whose remaining faces are all
    right, Enter confirms one face, N says "not an athlete", "23" then Enter names LeBron James
    by his jersey number, "/nad" then Enter Rafael Nadal by his name."""
    Athlete.objects.filter(label="lebron_james").update(number="23")
    shown = {
        stored.pk: stored.shown_answer
        for stored in Face.objects.filter(pk__in=fifty_faces).select_related("prediction")
    }
    photo_of = dict(Face.objects.filter(pk__in=fifty_faces).values_list("pk", "prediction"))
    keys = {"lebron_james": ["2", "3", "Enter"], "rafael_nadal": ["/", *"nad", "Enter"],
            "unknown": ["n"]}  # fmt: skip
    sign_in(page, live_server, staff)
    page.goto(f"{live_server.url}/review/?scope=all")
    decided: set[int] = set()
    pressed = 0

    while page.locator("[data-done]").is_hidden():
        current = int(page.input_value("[data-face-id]"))
        same_photo = [pk for pk in fifty_faces if photo_of[pk] == photo_of[current]]
        undecided = [pk for pk in same_photo if pk not in decided]
        if len(undecided) > 1 and all(shown[pk] == fifty_faces[pk] for pk in undecided):
            page.keyboard.press("p")
            decided.update(undecided)
        elif shown[current] == fifty_faces[current]:
            page.keyboard.press("Enter")
            decided.add(current)
        else:
            for key in keys[fifty_faces[current]]:
                page.keyboard.press(key)
            pressed += len(keys[fifty_faces[current]]) - 1
            decided.add(current)
        pressed += 1
        assert pressed <= 60, "too many keys for 50 faces"

    page.wait_for_function("document.querySelector('.review').dataset.saved === '50'")
    assert page.inner_text("[data-reviewed]") == "50"
    assert pressed <= 60
    answers = dict(FaceReview.objects.filter(face__in=fifty_faces).values_list("face", "label"))
    assert answers == fifty_faces
    assert FaceReview.objects.count() == 50
    assert set(FaceReview.objects.values_list("reviewer", flat=True)) == {staff.pk}
    print(f"50 faces reviewed with {pressed} keys")
