"""Events and teams made on the site: rosters picked by team and by person, people not enrolled
yet named by hand; a face the roster left out says so; the athlete's card for the desk."""

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from classifier.models import Athlete, Event, Example, ExampleFace, Team
from tests.web.conftest import PASSWORD


@pytest.fixture
def teams(athletes) -> tuple[Team, Team]:
    lebron, nadal = athletes
    lakers, spain = Team.objects.create(name="Lakers"), Team.objects.create(name="Spain")
    lakers.athletes.add(lebron)
    spain.athletes.add(nadal)
    return lakers, spain


@pytest.mark.db_engine  # a roster from two many-to-many joins, new athletes in one transaction
def test_staff_make_an_event_of_two_teams_and_someone_not_enrolled_yet(staff_client, teams):
    lakers, spain = teams

    response = staff_client.post("/events/new/", {
        "name": "Tonight's game", "date": "2026-12-07", "teams": [lakers.pk, spain.pk],
        "new_people": "Carlos Alcaraz\n\n",
    })  # fmt: skip

    event = Event.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/events/{event.pk}/"
    assert (event.name, event.date) == ("Tonight's game", date(2026, 12, 7))
    assert event.roster() == {"lebron_james", "rafael_nadal", "carlos_alcaraz"}
    alcaraz = Athlete.objects.get(label="carlos_alcaraz")
    assert (alcaraz.display_name, alcaraz.examples.count()) == ("Carlos Alcaraz", 0)
    page = staff_client.get(response["Location"]).content.decode()
    assert '<tr data-athlete="carlos_alcaraz">' in page
    assert "not enrolled yet" in page


def test_the_new_event_form_is_for_today_and_offers_every_team(staff_client, teams):
    page = staff_client.get("/events/new/").content.decode()

    assert f'value="{date.today():%Y-%m-%d}"' in page
    assert "Lakers" in page and "Spain" in page


@pytest.mark.db_engine  # many-to-many rows replaced, the roster read back
def test_editing_an_event_changes_its_roster(staff_client, teams, athletes):
    lakers, spain = teams
    event = Event.objects.create(name="Final", date=date(2026, 6, 7))
    event.teams.add(lakers)

    response = staff_client.post(f"/events/{event.pk}/", {
        "name": "Final", "date": "2026-06-07", "teams": [spain.pk],
        "athletes": [athletes[0].pk],
    })  # fmt: skip

    assert response.status_code == 302
    assert event.roster() == {"rafael_nadal", "lebron_james"}
    assert list(event.teams.all()) == [spain]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("=cmd|' /C calc'!A0", "begins with &quot;=&quot;"),
        ("Ada\x07", "control characters"),
        ("No face", "is an answer, not an athlete"),
    ],
)
def test_a_name_that_cannot_be_a_person_is_refused_and_nothing_saved(staff_client, name, reason):
    response = staff_client.post(
        "/events/new/", {"name": "Game", "date": "2026-12-07", "new_people": name}
    )

    assert response.status_code == 400
    assert reason in response.content.decode()
    assert (Event.objects.count(), Athlete.objects.count()) == (0, 0)


def test_an_event_name_with_a_control_character_is_refused(staff_client):
    """Its name goes into the tagged photos' caption, where XMP cannot carry one."""
    response = staff_client.post("/events/new/", {"name": "Final\x01", "date": "2026-12-07"})

    assert response.status_code == 400
    assert "cannot hold control characters" in response.content.decode()
    assert not Event.objects.exists()


def test_staff_make_a_team_with_players_and_someone_not_enrolled_yet(staff_client, athletes):
    response = staff_client.post("/teams/new/", {
        "name": "Mixed doubles", "athletes": [athletes[1].pk], "new_people": "Coco Gauff",
    })  # fmt: skip

    team = Team.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/teams/{team.pk}/"
    assert sorted(team.athletes.values_list("label", flat=True)) == ["coco_gauff", "rafael_nadal"]


def test_events_and_teams_need_their_permissions(client, django_user_model, teams):
    event = Event.objects.create(name="Final", date=date(2026, 6, 7))
    assert client.get("/events/")["Location"].startswith("/admin/login/")
    client.force_login(django_user_model.objects.create_user("fan", password=PASSWORD))
    for path in ("/events/", "/events/new/", f"/events/{event.pk}/", "/teams/new/",
                 f"/teams/{teams[0].pk}/"):  # fmt: skip
        assert client.get(path).status_code == 403, path
    assert client.post("/events/new/", {"name": "x", "date": "2026-12-07"}).status_code == 403
    assert Event.objects.count() == 1


def test_a_maker_of_events_may_not_change_them(client, django_user_model):
    maker = django_user_model.objects.create_user("maker", password=PASSWORD)
    maker.user_permissions.add(Permission.objects.get(codename="add_event"))
    client.force_login(maker)
    event = Event.objects.create(name="Final", date=date(2026, 6, 7))

    assert client.get("/events/new/").status_code == 200
    assert (
        client.post(f"/events/{event.pk}/", {"name": "x", "date": "2026-12-07"}).status_code == 403
    )


def test_a_face_the_roster_left_out_says_so_on_the_photo_page_and_in_the_api(
    client, make_prediction, athletes
):
    face = {"box": [4, 4, 20, 20], "label": "unknown", "candidate": "lebron_james", "score": 0.2,
            "needs_review": False, "off_roster": "rafael_nadal"}  # fmt: skip
    prediction = make_prediction(faces=[face], label="unknown")

    page = client.get(f"/predictions/{prediction.pk}/").content.decode()
    body = client.get(f"/api/predictions/{prediction.pk}/").json()

    assert "Rafael Nadal is not on this event's roster." in page
    assert body["faces"][0]["off_roster"] == "rafael_nadal"


def test_the_athletes_card_shows_the_desk_their_face_and_their_photos(
    staff_client, athletes, media_root
):
    nadal = athletes[1]
    nadal.number, nadal.sport = "1", "tennis"
    nadal.save()
    example = Example.objects.create(
        athlete=nadal, image="examples/n.jpg", original_name="n.jpg", width=100, height=80,
        status="ready",
    )  # fmt: skip
    example.choose(ExampleFace.objects.create(example=example, position=0, x=10, y=10, width=30,
                                              height=30))  # fmt: skip
    Example.objects.create(athlete=nadal, image="examples/m.jpg", original_name="m.jpg",
                           status="no_face")  # fmt: skip

    page = staff_client.get("/athletes/rafael_nadal/").content.decode()
    public = Client().get("/athletes/rafael_nadal/").content.decode()
    unenrolled = staff_client.get("/athletes/lebron_james/").content.decode()

    assert 'class="crop headshot"' in page and "/media/examples/n.jpg" in page
    assert "1 usable of 2" in page and "No face found" in page and "tennis" in page
    assert "#1" in page
    assert "headshot" not in public and "/media/examples/" not in public
    assert "not enrolled yet" in unenrolled
