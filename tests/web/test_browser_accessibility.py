"""Accessibility: axe-core finds no WCAG 2.1 AA violation on any page of the site or the admin's
changelists, on a desktop and a phone (whose layout may hide, wrap or scroll what the desktop
shows), in the light theme and the dark one (the system's setting); no page is wider than a
390 px phone; every badge reads at 4.5:1; the live region announces a summary of the uploads,
not every status change."""

from datetime import date

import numpy as np
import pytest

from classifier.models import Athlete, Event, Face, Person, Prediction, Team
from classifier.models.embeddings import embedding_bytes
from classifier.web.api_tokens import issue
from ml.results import FaceResult
from tests.web.browser import (
    axe_on_every_page,
    axe_violations,
    on_desktop_and_phone,
    sign_in_as,
    tab_to,
)

pytestmark = pytest.mark.browser

UNKNOWN_FACE = {"box": [4, 4, 20, 20], "label": "unknown", "candidate": "rafael_nadal",
                "score": 0.2, "needs_review": False}  # fmt: skip
BADGES = ["uploading", "queued", "running", "done", "refused", "failed", "reviewed"]
# Every rule in the light scheme; in the dark one, which changes colours and nothing else, the
# rules that read colours.
SCHEMES = {"light": None, "dark": ["color-contrast", "link-in-text-block"]}
# Once the colours' transitions to the scheme just set have ended: axe reads the colours.
SETTLED = "Promise.all(document.getAnimations().map((animation) => animation.finished))"
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


@pytest.fixture
def a_person(make_prediction, with_files) -> Person:
    """A group of two unknown faces on People, with their photos."""
    faces = []
    for name in ("crowd-1.jpg", "2026-12-06_NBA-Finals_game-3_fourth-quarter_crowd_0042.jpg"):
        prediction = with_files(make_prediction(faces=[UNKNOWN_FACE], label="unknown"))
        Prediction.objects.filter(pk=prediction.pk).update(original_name=name)
        Face.objects.filter(prediction=prediction).update(embedding=embedding_bytes(np.eye(128)[3]))
        Person.objects.settle(prediction.faces.select_related("prediction", "review"))
        faces.append(prediction.faces.get())
    return Person.objects.get(pk=faces[0].person_id)


def site_pages(every_kind: dict, person: Person) -> list[str]:
    """Every page a superuser reaches from the menu and one of each kind of record."""
    done = every_kind["done"].pk
    athlete = Athlete.objects.first()
    event = Event.objects.create(name="Final", date=date(2026, 12, 6))
    team = Team.objects.create(name="Blues")
    return [
        "/",
        "/predictions/",
        "/predictions/?view=compact",
        *(f"/predictions/{prediction.pk}/" for prediction in every_kind.values()),
        f"/predictions/{done}/delete/",
        "/predictions/00000000-0000-0000-0000-000000000000/",
        "/review/",
        f"/review/?photo={done}",
        "/people/",
        f"/faces/{person.faces.first().pk}/more-photos/",
        "/athletes/",
        f"/athletes/{athlete.label}/",
        f"/athletes/{athlete.label}/examples/",
        "/imports/",
        "/events/",
        "/events/new/",
        f"/events/{event.pk}/",
        "/teams/new/",
        f"/teams/{team.pk}/",
        "/models/",
        "/accounts/",
        "/accounts/tokens/",
        f"/events/{event.pk}/export/",
        *ADMIN_CHANGELISTS,
        f"/admin/classifier/prediction/{done}/change/",
    ]


@on_desktop_and_phone
def test_every_page_of_the_site_passes_axe(
    page, viewport, live_server, every_kind, a_person, client, staff
):
    sign_in_as(page, client, staff, live_server.url)
    issue(staff)  # listed on /accounts/tokens/
    axe_on_every_page(page)
    found = {}
    for path in site_pages(every_kind, a_person):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status in (200, 404), (path, response)
        for scheme, rules in SCHEMES.items():  # the system's setting, switched on the page
            page.emulate_media(color_scheme=scheme)
            page.evaluate(SETTLED)
            if violations := axe_violations(page, rules):
                found[f"{path} ({scheme})"] = violations
        if viewport == "phone" and not path.startswith("/admin/") and not fits(page):
            found[path] = [f"wider than the screen: {page.evaluate(WIDEST)}"]

    assert found == {}, "\n".join(f"{path}: {v}" for path, vs in found.items() for v in vs)


# The widest element past the screen's right edge, to say what to fix.
WIDEST = """() => [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
    .map((e) => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))
    .slice(-3).join(", ")"""


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@on_desktop_and_phone
def test_the_menu_folds_on_a_phone(page, viewport, live_server, client, staff, model_version):
    sign_in_as(page, client, staff, live_server.url)
    page.goto(live_server.url)
    models = page.locator("nav >> text=Models")

    if viewport == "desktop":
        assert models.is_visible() and not page.is_visible(".menu-toggle")
        return
    assert page.is_visible("nav >> text=History") and not models.is_visible()
    tab_to(page, ".menu-toggle")
    page.keyboard.press("Enter")
    assert models.is_visible()
    assert page.get_attribute(".menu-toggle", "aria-expanded") == "true"
    page.keyboard.press("Enter")
    assert not models.is_visible()


def test_the_dark_theme_follows_the_system_setting(page, live_server, model_version):
    page.goto(live_server.url)
    light = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    page.emulate_media(color_scheme="dark")
    dark = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")

    assert light != dark
    assert brightness(dark) < 60 < 200 < brightness(light)


def brightness(rgb: str) -> float:
    red, green, blue = (int(part) for part in rgb.strip("rgba()").split(",")[:3])
    return (red * 299 + green * 587 + blue * 114) / 1000


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
