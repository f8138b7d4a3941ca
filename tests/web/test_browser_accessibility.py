"""Accessibility: axe-core finds no WCAG 2.1 AA violation on any page of the site or the admin's
changelists, on a desktop and a phone (whose layout may hide, wrap or scroll what the desktop
shows); every badge reads at 4.5:1; the live region announces a summary of the uploads, not
every status change."""

import pytest

from classifier.models import Face, Prediction
from classifier.web.api_tokens import issue
from ml.results import FaceResult
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
    issue(staff)  # listed on /accounts/tokens/
    done = every_kind["done"].pk
    pages = [
        "/",
        "/predictions/",
        "/predictions/?view=compact",
        *(f"/predictions/{prediction.pk}/" for prediction in every_kind.values()),
        f"/predictions/{done}/delete/",
        "/predictions/00000000-0000-0000-0000-000000000000/",
        "/review/",
        f"/review/?photo={done}",
        "/models/",
        "/accounts/",
        "/accounts/tokens/",
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
    photos = [sample_data / "rafael_nadal" / f"nadal({n}).jpg" for n in (3, 8, 9, 10, 11)]

    page.set_input_files("input[type=file]", [str(photo) for photo in photos])
    page.locator("#uploads .badge-queued").nth(4).wait_for()
    finish_as(
        {
            "nadal(3).jpg": ("rafael_nadal", "rafael_nadal", False),
            "nadal(8).jpg": ("unknown", "rafael_nadal", True),
            "nadal(9).jpg": ("unknown", "lebron_james", False),
            "nadal(10).jpg": ("no_face", None, False),
        }
    )
    Prediction.objects.filter(original_name="nadal(11).jpg").update(
        status="refused", error="Unreadable."
    )
    page.locator("#uploads .badge-done").nth(3).wait_for()
    page.locator("#uploads .badge-refused").wait_for()

    said = page.evaluate("window.said")
    assert said[0] == "Uploading 5 photos."
    assert said[1] == "1 of 5 photos finished."
    assert said[-1] == "5 finished: 1 named, 1 to review, 1 unknown, 1 no face, 1 refused."
    assert len(said) == 6, said
    assert page.locator("[aria-live]").count() == 1  # the cards themselves are not announced
    assert page.get_attribute("#upload-summary", "role") == "status"
    assert page.is_visible("#upload-summary")  # the desk reads it too


def finish_as(answers: dict[str, tuple[str, str | None, bool]]) -> None:
    """Finish each upload by name as the worker would: its label, and one face (unless
    ``None``) with that candidate, awaiting review or not."""
    for name, (label, candidate, unsure) in answers.items():
        prediction = Prediction.objects.get(original_name=name)
        if candidate is not None:
            face = FaceResult(
                box=(4, 4, 20, 20), label=label, candidate=candidate, score=0.9,
                needs_review=unsure, detection_confidence=0.99,
            )  # fmt: skip
            Face.from_result(prediction, 0, face, None).save()
        Prediction.objects.filter(pk=prediction.pk).update(
            status="done", label=label, confidence=0.9
        )
