"""The review queue in Chromium, by keyboard only: a two-team event's flagged faces named by
typing a jersey number or a name, keys that keep their meaning when an athlete is added, Enter
on a focused button doing what the button says, "not a face" taking a false box off People,
Back returning to the face last shown, and a stage whose buttons stay put."""

import datetime
import uuid

import pytest

from classifier.models import Athlete, Event, Face, FaceReview, Team
from tests.web.browser import axe_violations, on_desktop_and_phone, sign_in_as
from tests.web.conftest import jpeg_bytes
from tests.web.test_people import direction, stranger

pytestmark = pytest.mark.browser

ROSTERS = {
    "Lakers": [("lebron_james", "LeBron James", "23"), ("anthony_davis", "Anthony Davis", "3")],
    "Celtics": [("jayson_tatum", "Jayson Tatum", "0"), ("jaylen_brown", "Jaylen Brown", "7")],
}


def flagged(candidate: str, x: int = 40) -> dict:
    return {"box": [x, 40, 80, 100], "label": "unknown", "candidate": candidate, "score": 0.6,
            "needs_review": True}  # fmt: skip


@pytest.fixture
def game(make_prediction, media_root):
    """A Lakers–Celtics game: both rosters, jersey numbers, and a photo factory whose photos
    are stored (pages show real images)."""
    event = Event.objects.create(name="Lakers v Celtics", date=datetime.date(2026, 12, 1))
    for team_name, players in ROSTERS.items():
        team = Team.objects.create(name=team_name)
        for label, name, number in players:
            athlete, _ = Athlete.objects.update_or_create(
                label=label, defaults={"display_name": name, "number": number, "team": team_name}
            )
            team.athletes.add(athlete)
        event.teams.add(team)

    def photo(faces: list[dict], size=(640, 480), **fields):
        prediction = make_prediction(
            faces=faces, width=size[0], height=size[1], label="unknown", event=event, **fields
        )
        for name in prediction.file_names:
            (media_root / name).parent.mkdir(parents=True, exist_ok=True)
            (media_root / name).write_bytes(jpeg_bytes(size=size, colour=(90, 120, 160)))
        return prediction

    return photo


def current_face(page) -> int:
    return int(page.input_value("[data-face-id]"))


def wait_saved(page, count: int) -> None:
    page.wait_for_function(f"document.querySelector('.review').dataset.saved === '{count}'")


def decision(face_id: int) -> tuple[str, str]:
    review = FaceReview.objects.get(face=face_id)
    return review.verdict, review.label


def test_a_two_team_event_is_reviewed_by_typing_names(page, live_server, game, client, staff):
    # The model's candidates, in the queue's order (the newest photo first).
    candidates = ["anthony_davis", "jaylen_brown", "jaylen_brown", "lebron_james", "anthony_davis"]
    photos = [game([flagged(candidate)]) for candidate in reversed(candidates)]
    faces = [photo.faces.get().pk for photo in reversed(photos)]
    sign_in_as(page, client, staff, live_server.url)
    page.goto(f"{live_server.url}/review/")
    order = []

    def key(*keys: str) -> None:
        order.append(current_face(page))
        for each in keys:
            page.keyboard.press(each)

    # Newest photo first. A jersey number names the athlete: "23" is LeBron James.
    key("2", "3", "Enter")
    # The model's candidate, confirmed with Enter.
    key("Enter")
    # A name typed after "/": the best match first.
    key("/", *"tatum", "Enter")
    # Someone else: a new athlete, added from the name box.
    key("/", *"Marcus Smart", "Enter")
    wait_saved(page, 4)
    # Adding an athlete changed no key: "23" still names LeBron James.
    key("2", "3", "Enter")
    wait_saved(page, 5)

    assert order == faces
    assert [decision(face) for face in order] == [
        ("correct", "lebron_james"),
        ("confirm", "jaylen_brown"),
        ("correct", "jayson_tatum"),
        ("correct", "marcus_smart"),
        ("correct", "lebron_james"),
    ]
    assert Athlete.objects.get(label="marcus_smart").display_name == "Marcus Smart"


def test_the_name_box_offers_the_roster_with_numbers_the_candidate_first(
    page, live_server, game, client, staff
):
    game([flagged("jaylen_brown")])
    sign_in_as(page, client, staff, live_server.url)
    page.goto(f"{live_server.url}/review/")

    page.keyboard.press("/")

    assert page.inner_text("[data-score]") == "60.0%"  # one number format, as pages show it
    options = page.locator("[role=option]").all_inner_texts()
    assert options[0] == "7 · Jaylen Brown · Celtics"
    assert {"23 · LeBron James · Lakers", "0 · Jayson Tatum · Celtics"} <= set(options)
    assert axe_violations(page) == []


def test_enter_on_a_focused_button_does_what_it_says(page, live_server, game, client, staff):
    photos = [game([flagged("lebron_james")]) for _ in range(3)]
    faces = [photo.faces.get().pk for photo in reversed(photos)]  # newest first
    sign_in_as(page, client, staff, live_server.url)
    page.goto(f"{live_server.url}/review/")

    page.focus("[data-choice=not_a_face]")
    page.keyboard.press("Enter")
    page.focus("[data-choice=unknown]")
    page.keyboard.press("Enter")
    # The focus went back to the stage: Enter is the model's answer again.
    page.keyboard.press("Enter")
    wait_saved(page, 3)

    assert [decision(face) for face in faces] == [
        ("correct", "not_a_face"),
        ("correct", "unknown"),
        ("confirm", "lebron_james"),
    ]


def test_not_a_face_takes_a_false_box_off_people(page, live_server, make_prediction, client, staff):
    faces = [stranger(make_prediction, direction(0, w), f"a{n}.jpg") for n, w in
             enumerate([0, 0.1, 0.2])]  # fmt: skip
    sign_in_as(page, client, staff, live_server.url)
    page.goto(f"{live_server.url}/people/")
    assert page.locator("[data-person] .person-faces li").count() == 3

    page.goto(f"{live_server.url}/review/?face={faces[2].pk}")
    page.keyboard.press("x")
    wait_saved(page, 1)

    page.goto(f"{live_server.url}/people/")
    assert page.locator("[data-person] .person-faces li").count() == 2
    assert decision(faces[2].pk) == ("correct", "not_a_face")
    assert Face.objects.get(pk=faces[2].pk).person is None


def test_back_returns_to_the_face_last_shown_even_a_skipped_one(
    page, live_server, game, client, staff
):
    for _ in range(3):
        game([flagged("lebron_james")])
    sign_in_as(page, client, staff, live_server.url)
    page.goto(f"{live_server.url}/review/")
    first = current_face(page)
    page.keyboard.press("Enter")
    second = current_face(page)

    page.keyboard.press("s")
    assert current_face(page) not in (first, second)
    page.keyboard.press("b")
    assert current_face(page) == second
    page.keyboard.press("b")
    assert current_face(page) == first
    assert page.inner_text("[data-reviewed]") == "0"


@on_desktop_and_phone
def test_the_buttons_stay_put_whatever_the_photo(page, live_server, game, client, staff):
    sizes = [(640, 480), (300, 900), (1200, 300), (500, 500)]
    for size in sizes:
        game([flagged("lebron_james", x=10)], size=size)
    sign_in_as(page, client, staff, live_server.url)
    page.goto(f"{live_server.url}/review/")

    tops = []
    for _ in sizes:
        page.wait_for_function("document.querySelector('[data-photo]').complete")
        tops.append(page.locator("[data-actions]").bounding_box()["y"])
        page.keyboard.press("s")

    assert len(set(tops)) == 1, tops


def test_the_queues_scopes_count_right(page, live_server, game, make_prediction, client, staff):
    game([flagged("lebron_james"), flagged("unknown", x=300) | {"needs_review": False}])
    batch = uuid.uuid4()
    for _ in range(2):
        make_prediction(faces=[flagged("jaylen_brown")], uploader=staff, batch=batch)
    sign_in_as(page, client, staff, live_server.url)
    page.goto(f"{live_server.url}/review/")

    def count(scope: str) -> str:
        return page.inner_text(f"a[data-scope={scope}] .count-badge")

    assert (count("flagged"), count("batch"), count("all")) == ("3", "2", "4")
    assert page.inner_text("select[data-scope=event] option") == "Lakers v Celtics, 1 Dec (2)"
    assert page.inner_text("[data-waiting]") == "3"
    page.keyboard.press("Enter")
    wait_saved(page, 1)
    page.reload()
    assert (count("flagged"), count("batch"), count("all")) == ("2", "1", "3")

    page.focus("select[data-scope=event]")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**scope=event**")
    assert page.inner_text("[data-waiting]") == "2"
    assert page.locator("[aria-current=page]").count() == 1
    assert axe_violations(page) == []
