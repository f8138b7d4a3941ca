"""In Chromium, against the live site and a real worker: a league enrolled from a zip in one
form, trained by itself when the import is done, and tonight's game made from the site in a
few clicks, two teams and a new signing on its roster; a probe photo of a player is named, and
a player of a third team is said to be off the roster.

The league is the dev set's ``enrol/`` (LFW people: evaluation only, zipped into the test's
own temporary folder). By default a handful of people, with a ``roster.csv`` naming their
teams; ``ATHLETES_LEAGUE_PEOPLE=all`` imports the whole of ``enrol/`` as it is laid out, and
prints the figures for docs/benchmarks.md (``scripts/bench_roster_import``)."""

import csv
import io
import os
import time
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from classifier.models import Athlete, Event, ExampleFace, ModelVersion, Prediction, RosterImport
from ml.dataset import label_for
from tests.web.browser import axe_violations
from tests.web.test_browser import sign_in

pytestmark = pytest.mark.browser

IMPORT_MS = 600_000
TRAINING_MS = 900_000
TEAMS = {"Reds": 3, "Blues": 3, "Greens": 2}  # players each, from the league's first people
NEW_SIGNING = "Tonight Newsigning"


def league_people(league: Path) -> list[str]:
    """People of ``enrol/`` with at least three probe photos, in order."""
    return [
        person.name
        for person in sorted((league / "enrol").iterdir())
        if len(list((league / "probe" / person.name).glob("*"))) >= 3
    ]


def teams_zip(league: Path, out: Path) -> dict[str, list[str]]:
    """A zip of the first people's folders and a roster.csv naming their teams, with a file
    that is no photo; returns {team: [folder names]}."""
    people = iter(league_people(league))
    teams = {team: [next(people) for _ in range(count)] for team, count in TEAMS.items()}
    rows = [["name", "team", "number", "photo"]]
    with zipfile.ZipFile(out, "w") as archive:
        players = [(team, person) for team, members in teams.items() for person in members]
        for number, (team, person) in enumerate(players, start=1):
            for photo in sorted((league / "enrol" / person).iterdir()):
                archive.write(photo, f"{person}/{photo.name}")
                rows.append([person.replace("_", " "), team, str(number), f"{person}/{photo.name}"])
        archive.writestr("Broken/notes.jpg", b"not a photo")
        rows.append(["Broken Photo", "Greens", "", "Broken/notes.jpg"])
        table = io.StringIO()
        csv.writer(table).writerows(rows)
        archive.writestr("roster.csv", table.getvalue())
    return teams


def enrol_zip(league: Path, out: Path) -> list[str]:
    """The whole of ``enrol/``, one folder per person, as the dev set lays it out."""
    people = sorted(person.name for person in (league / "enrol").iterdir())
    with zipfile.ZipFile(out, "w") as archive:
        for person in people:
            for photo in sorted((league / "enrol" / person).iterdir()):
                archive.write(photo, f"enrol/{person}/{photo.name}")
    return people


def upload(page, live_server, photo: Path, event: Event | None = None) -> Prediction:
    page.goto(f"{live_server.url}/" + (f"?event={event.pk}" if event else ""))
    page.set_input_files("input[type=file]", str(photo))
    page.locator("#uploads .card .badge-done").wait_for()
    return Prediction.objects.get(original_name=photo.name)


def machine() -> str:
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), "unknown CPU")  # fmt: skip
    return f"{model}, load {' '.join(f'{n:.2f}' for n in os.getloadavg())}"


def test_a_league_zip_imported_from_the_site_trains_and_tonights_game_names_from_its_roster(
    page, live_server, active_model, worker, staff, league, tmp_path
):
    whole_league = os.environ.get("ATHLETES_LEAGUE_PEOPLE") == "all"
    archive = tmp_path / "league.zip"
    if whole_league:
        people, teams = enrol_zip(league, archive), {}
    else:
        teams = teams_zip(league, archive)
        people = [person for members in teams.values() for person in members]
    photos = sum(len(list((league / "enrol" / person).iterdir())) for person in people)
    sign_in(page, live_server, staff)

    # One form: the zip, and "train when done" (ticked by default).
    page.goto(f"{live_server.url}/athletes/")
    page.click("text=Import a roster")
    page.set_input_files("#id_roster", str(archive))
    expect(page.locator("#id_train")).to_be_checked()
    started = time.monotonic()
    page.click("button:has-text('Import')")
    status = page.locator(".import-status")
    expect(status).to_have_attribute("data-status", "done", timeout=IMPORT_MS)
    seconds = time.monotonic() - started
    job = RosterImport.objects.get()
    assert (job.people_done, job.people_total) == (len(people) + (not whole_league),) * 2
    labels = {label_for(person.replace("_", " ")) for person in people}
    assert labels <= set(Athlete.objects.values_list("label", flat=True))
    faces = ExampleFace.objects.filter(example__athlete__label__in=labels)
    assert faces.filter(embedding__isnull=True).count() == 0
    report = page.locator("table.import-report tbody tr")
    expect(report).to_have_count(job.people_total)
    for entry in job.report:  # each problem is on the page, on its person's line
        for problem in entry["problems"]:
            expect(page.locator(f"tr[data-person='{entry['label']}']")).to_contain_text(problem)
    print(f"\nRoster import: {job.people_done} people, {photos} photos in the zip, "
          f"{job.photos_added} added, {job.problem_count} problems, in {seconds:.1f} s "
          f"from the click to the report ({machine()})")  # fmt: skip
    assert axe_violations(page) == []

    # The training it started, then activated in one click.
    assert job.model_version is not None
    trained = job.model_version
    page.click("text=follow it on the models page")
    section = page.locator(f"section.model[data-version='{trained.version}']")
    expect(section).to_have_attribute("data-status", "ready", timeout=TRAINING_MS)
    trained.refresh_from_db()
    print(f"Training {len(trained.labels)} athletes: {time.monotonic() - started - seconds:.1f} s "
          f"after the report ({machine()})")  # fmt: skip
    section.locator(f"button:has-text('Activate {trained.version}')").click()
    expect(page.locator(".message.success")).to_contain_text(f"{trained.version} is active")
    assert labels <= set(ModelVersion.objects.active().labels)

    if whole_league:  # a probe photo of the first person, named
        first = people[0]
        probes = sorted((league / "probe" / first).iterdir())[:3]
        answers = [upload(page, live_server, probe).label for probe in probes]
        print(f"Probe photos of {first}: {answers}")
        assert label_for(first.replace("_", " ")) in answers, answers
        return

    # Tonight's game, from the site: Reds against Blues, and a new signing not enrolled yet.
    clicks = 0

    def click(selector: str) -> None:
        nonlocal clicks
        clicks += 1
        page.click(selector)

    click("nav >> text=Events")
    click("text=New event")
    page.fill("#id_name", "Reds v Blues")
    click("label:has-text('Reds') >> input")
    click("label:has-text('Blues') >> input")
    page.fill("#id_new_people", NEW_SIGNING)
    click("button:has-text('Save')")
    expect(page.locator(".message.success")).to_contain_text("is saved")
    assert clicks <= 10
    event = Event.objects.get()
    roster = {label_for(p.replace("_", " ")) for p in teams["Reds"] + teams["Blues"]}
    assert event.roster() == roster | {label_for(NEW_SIGNING)}
    expect(page.locator(f"tr[data-athlete='{label_for(NEW_SIGNING)}']")).to_contain_text(
        "not enrolled yet"
    )

    # A Reds player's probe photos are named from the roster; a Greens player's face, off
    # the roster, says so and is named as nobody.
    red = teams["Reds"][0]
    named = [upload(page, live_server, probe, event) for probe in
             sorted((league / "probe" / red).iterdir())[:3]]  # fmt: skip
    answers = [prediction.label for prediction in named]
    assert all(prediction.event == event for prediction in named)
    assert label_for(red.replace("_", " ")) in answers, answers
    assert set(answers) <= {label_for(red.replace("_", " ")), "unknown"}, answers
    green = teams["Greens"][0]
    green_label = label_for(green.replace("_", " "))
    off = [upload(page, live_server, probe, event) for probe in
           sorted((league / "probe" / green).iterdir())[:3]]  # fmt: skip
    assert all(prediction.label in ("unknown", "no_face") for prediction in off)
    said = [p for p in off if p.faces.filter(off_roster=green_label).exists()]
    assert said, [list(p.faces.values("label", "candidate", "score", "off_roster")) for p in off]
    page.goto(f"{live_server.url}/predictions/{said[0].pk}/")
    name = Athlete.objects.get(label=green_label).display_name
    expect(page.locator("table.faces")).to_contain_text(f"{name} is not on this event's roster.")
