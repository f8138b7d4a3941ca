"""Accessibility: axe-core finds no WCAG 2.1 AA violation on any page of the site or the admin's
changelists, on a desktop and a phone (whose layout may hide, wrap or scroll what the desktop
shows); every badge reads at 4.5:1; the live region announces a summary of the uploads, not
every status change."""

import pytest

from classifier.models import Prediction
from tests.web.browser import axe_violations, on_desktop_and_phone, sign_in_as

pytestmark = pytest.mark.browser

BADGES = ["uploading", "queued", "running", "done", "refused", "failed", "reviewed"]
ADMIN_CHANGELISTS = [
    "/admin/",
    "/admin/classifier/prediction/",
    "/admin/classifier/athlete/",
    "/admin/classifier/modelversion/",
    "/admin/classifier/review/",
    "/admin/auth/user/",
    "/admin/auth/group/",
]


@pytest.fixture
def every_kind(make_prediction, with_files, staff):
    face = {
        "box": [4, 4, 20, 20], "label": "unknown", "candidate": "rafael_nadal", "score": 0.55,
        "needs_review": True, "detection_confidence": 0.99,
    }  # fmt: skip
    done = with_files(make_prediction(original_name="done.jpg", faces=[face], confidence=0.55))
    done.faces.get().record_review(staff, "correct", "rafael_nadal")
    return {
        "done": done,
        "queued": with_files(make_prediction(original_name="q.jpg", status="queued", label="")),
        "failed": with_files(
            make_prediction(original_name="f.jpg", status="failed", label="", error="Boom.")
        ),
        "refused": make_prediction(
            original_name="r.jpg", status="refused", label="", annotated="", error="Unreadable."
        ),
    }


def test_every_badge_reads_at_4_5_to_1(page, live_server, model_version):
    page.goto(live_server.url)
    page.evaluate(
        """(kinds) => kinds.forEach((kind) => {
            const badge = document.createElement("span");
            badge.className = "badge badge-" + kind;
            badge.textContent = kind;
            document.querySelector("main").append(badge);
        })""",
        BADGES,
    )

    assert axe_violations(page) == []


@on_desktop_and_phone
def test_every_page_of_the_site_passes_axe(page, live_server, every_kind, client, staff):
    sign_in_as(page, client, staff, live_server.url)
    done = every_kind["done"].pk
    pages = [
        "/",
        "/predictions/",
        "/predictions/?view=compact",
        *(f"/predictions/{prediction.pk}/" for prediction in every_kind.values()),
        f"/predictions/{done}/delete/",
        "/predictions/00000000-0000-0000-0000-000000000000/",
        *ADMIN_CHANGELISTS,
        f"/admin/classifier/prediction/{done}/change/",
    ]
    found = {}
    for path in pages:
        page.goto(f"{live_server.url}{path}")
        if violations := axe_violations(page):
            found[path] = violations

    assert found == {}, "\n".join(f"{path}: {v}" for path, vs in found.items() for v in vs)


def test_the_live_region_announces_a_summary(
    page, live_server, model_version, sent_tasks, sample_data
):
    page.goto(live_server.url)
    page.evaluate(
        """() => {
            window.said = [];
            const region = document.getElementById("upload-summary");
            new MutationObserver(() => window.said.push(region.textContent))
              .observe(region, {childList: true, characterData: true, subtree: true});
        }"""
    )
    photos = [sample_data / "rafael_nadal" / f"nadal({n}).jpg" for n in (3, 8, 9)]

    page.set_input_files("input[type=file]", [str(photo) for photo in photos])
    page.locator("#uploads .badge-queued").nth(2).wait_for()
    Prediction.objects.update(status="done", label="rafael_nadal", confidence=0.9)
    page.locator("#uploads .badge-done").nth(2).wait_for()

    said = page.evaluate("window.said")
    assert said[0] == "Uploading 3 photos."
    assert said[-1] == "3 of 3 photos finished: 3 done."
    assert len(said) == 4, said
    assert page.locator("[aria-live]").count() == 1  # the cards themselves are not announced
    assert page.get_attribute("#upload-summary", "role") == "status"
