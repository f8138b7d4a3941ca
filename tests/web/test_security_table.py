"""The manual's Security page says what each role can see and do, in a table: this test reads
that table and tries every row as every role, so the table stays true.

Each role is an account with the permissions of the page's first table (a reviewer has
``review_prediction`` alone, a viewer is staff with every ``classifier.view_*``). A cell
"with `perm`, …" says the role alone cannot, and can with those permissions added.
"""

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from classifier.models import Event, FaceReview, ModelVersion, Prediction
from tests.web.conftest import jpeg_bytes, upload_file

SECURITY = Path(__file__).resolve().parents[2] / "docs" / "security.md"
ROLES = ["anonymous", "user", "enroller", "trainer", "reviewer", "viewer", "superuser"]
ROLE_PERMISSIONS = {
    "enroller": ["add_athlete"],
    "trainer": ["add_modelversion"],
    "reviewer": ["review_prediction"],
}
FACE = {"box": [4, 4, 20, 20], "label": "rafael_nadal", "candidate": "rafael_nadal",
        "score": 0.7, "needs_review": True}  # fmt: skip


def documented() -> dict[str, dict[str, str]]:
    """``{row: {role: cell}}`` from the table whose header names the seven roles."""
    lines = SECURITY.read_text().splitlines()
    header = "| | " + " | ".join(ROLES) + " |"
    start = lines.index(header) + 2
    rows = {}
    for line in lines[start:]:
        if not line.startswith("| ["):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        label = re.fullmatch(r"\[(.+?)\]\(#[\w-]+\)", cells[0])
        assert label, f"a row without a link to its paragraph: {line}"
        rows[label.group(1)] = dict(zip(ROLES, cells[1:], strict=True))
    return rows


def signed_in(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def account(django_user_model, role: str):
    if role == "anonymous":
        return None
    if role == "superuser":
        return django_user_model.objects.create_superuser("root", password="a-long-password")
    user = django_user_model.objects.create_user(
        f"the-{role}", password="a-long-password", is_staff=role == "viewer"
    )
    permissions = Permission.objects.filter(codename__in=ROLE_PERMISSIONS.get(role, []))
    if role == "viewer":
        viewing = Permission.objects.filter(
            content_type__app_label="classifier", codename__startswith="view_"
        )
        permissions = permissions | viewing
    user.user_permissions.set(permissions)
    return user


class World:
    """Someone else's photos, two events, a second ready version: what the rows are tried on."""

    def __init__(self, make_prediction, django_user_model, model_version):
        alice = django_user_model.objects.create_user("alice", password="a-long-password")
        reviewer = django_user_model.objects.create_user("jo-reviews", password="a-long-pass")
        self.finished = make_prediction(uploader=alice, faces=[FACE])
        self.queued = make_prediction(uploader=alice, status="queued", label="", faces=[])
        self.face = self.finished.faces.get()
        self.reviewed = make_prediction(uploader=alice)
        self.reviewed.faces.get().record_review(reviewer, FaceReview.Verdict.CONFIRM)
        self.final = Event.objects.create(name="Final", date=date(2026, 6, 7))
        self.open_day = Event.objects.create(name="Open day", date=date(2026, 6, 1), open=True)
        ModelVersion.objects.create(version="v2", path="v2", manifest=model_version.manifest)


def allowed(response) -> str:
    return "yes" if response.status_code in (200, 201, 202, 204) else "–"


def upload(client: Client, world: World, settings) -> str:
    settings.ATHLETES_UPLOAD_RATE = "1/hour"
    for colour in ((1, 2, 3), (4, 5, 6)):
        response = client.post(
            "/api/predictions/", {"image": upload_file(jpeg_bytes(colour=colour))}
        )
    return "limited" if response.status_code == 429 else allowed(response)


def upload_into_event(client: Client, world: World, settings) -> str:
    def into(event: Event, colour) -> str:
        photo = upload_file(jpeg_bytes(colour=colour))
        return allowed(client.post("/api/predictions/", {"image": photo, "event": event.pk}))

    if into(world.final, (7, 8, 9)) == "yes":
        return "yes"
    return "open ones" if into(world.open_day, (9, 8, 7)) == "yes" else "–"


def list_photos(client: Client, world: World, settings) -> str:
    listed = {item["id"] for item in client.get("/api/predictions/").json()["results"]}
    if str(world.queued.pk) in listed:
        return "all"
    return "own, every finished one" if str(world.finished.pk) in listed else "own"


def delete(client: Client, world: World, settings) -> str:
    response = client.delete(f"/api/predictions/{world.finished.pk}/")
    return "all" if response.status_code == 204 else "own"


def see_reviewer(client: Client, world: World, settings) -> str:
    page = client.get(f"/predictions/{world.reviewed.pk}/").content.decode()
    return "yes" if "jo-reviews" in page else "–"


def list_events(client: Client, world: World, settings) -> str:
    names = {event["name"] for event in client.get("/api/events/").json()["results"]}
    return {frozenset({"Final", "Open day"}): "all", frozenset({"Open day"}): "open ones"}.get(
        frozenset(names), "–"
    )


def name_new_athlete(client: Client, world: World, settings) -> str:
    face = world.finished.faces.get()
    Prediction.objects.filter(pk=world.finished.pk).update(label="unknown")
    face.label = "unknown"
    face.save()
    response = client.post(
        "/api/people/name/",
        {"faces": [face.pk], "name": "Yao Ming"},
        content_type="application/json",
    )
    return allowed(response)


def admin(client: Client, world: World, settings) -> str:
    if client.get("/admin/classifier/prediction/").status_code != 200:
        return "–"
    return "all" if client.get("/admin/classifier/athlete/add/").status_code == 200 else "read only"


def get(path: str) -> Callable[[Client, World, object], str]:
    return lambda client, world, settings: allowed(client.get(path))


def post(path: str, data: dict | None = None) -> Callable[[Client, World, object], str]:
    return lambda client, world, settings: allowed(client.post(path, data or {}))


PROBES: dict[str, Callable[[Client, World, object], str]] = {
    "upload photos": upload,
    "upload into an event": upload_into_event,
    "open a photo by its id": lambda c, w, s: allowed(c.get(f"/predictions/{w.finished.pk}/")),
    "list photos": list_photos,
    "delete or retry a photo": delete,
    "see who reviewed a face": see_reviewer,
    "list events and their rosters": list_events,
    "enrol athletes": get("/athletes/"),
    "import rosters": get("/api/imports/"),
    "make and edit events and teams": get("/events/new/"),
    "review faces": lambda c, w, s: allowed(
        c.post(f"/api/faces/{w.face.pk}/review/", {"verdict": "confirm"})
    ),
    "People, more photos of a person": get("/api/people/"),
    "name a person as a new athlete": name_new_athlete,
    "see model versions": get("/api/models/"),
    "train a version": post("/api/models/"),
    "activate, roll back, re-run": post("/api/models/v2/activate/"),
    "make and revoke own API tokens": get("/accounts/tokens/"),
    "invite accounts, give roles": get("/accounts/"),
    "the admin": admin,
}
CASES = [(row, role, cell) for row, cells in documented().items() for role, cell in cells.items()]


def test_every_row_of_the_table_is_tried():
    assert set(documented()) == set(PROBES)


@pytest.mark.parametrize(("row", "role", "cell"), CASES, ids=[f"{r}-{o}" for r, o, _ in CASES])
def test_the_table_says_what_each_role_can_do(
    row, role, cell, django_user_model, make_prediction, model_version, sent_tasks, settings
):
    world = World(make_prediction, django_user_model, model_version)
    user = account(django_user_model, role)
    extra = re.findall(r"`(\w+)`", cell) if cell.startswith("with ") else []

    seen = PROBES[row](signed_in(user), world, settings)

    if not extra:
        assert seen == cell, f"{row}, {role}: the page says {cell!r}"
        return
    assert seen == "–", f"{row}, {role}: the role alone can"
    user.user_permissions.add(*Permission.objects.filter(codename__in=extra))
    with_them = PROBES[row](signed_in(type(user).objects.get(pk=user.pk)), world, settings)
    assert with_them == "yes", f"{row}, {role}: the page says {cell!r}"
