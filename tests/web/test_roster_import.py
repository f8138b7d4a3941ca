"""Roster imports, started through the API and run by the worker's code in this process, with
the real face detector and FaceNet: a zip of people's folders, and a CSV whose photos are URLs
served here (the test's setting lets the worker fetch from 127.0.0.1, and nothing else), some
broken; each problem reported with its reason, the rest imported, and importing again adds
nothing."""

import io
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

from classifier.models import Athlete, Example, ExampleFace, ModelVersion, RosterImport
from classifier.models.versions import ONE_TRAINING
from classifier.worker import roster_import
from tests.photo_server import serve
from tests.web.conftest import PASSWORD, jpeg_bytes

PEOPLE = ["john_salley", "john_savage", "john_schneider"]
PHOTOS = 4


@pytest.fixture(autouse=True)
def worker_settings(settings, facenet_weights):
    settings.ATHLETES_FACENET_WEIGHTS = facenet_weights
    settings.ATHLETES_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.ATHLETES_FETCH_DEADLINE_SECONDS = 1
    settings.ATHLETES_MAX_UPLOAD_BYTES = 300_000


def photos(sample_people: Path, label: str) -> list[Path]:
    return sorted((sample_people / label).iterdir())[:PHOTOS]


def reencoded(data: bytes, scale: float = 0.9) -> bytes:
    image = Image.open(io.BytesIO(data))
    buffer = io.BytesIO()
    image.resize((round(image.width * scale), round(image.height * scale))).save(
        buffer, "JPEG", quality=85
    )
    return buffer.getvalue()


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def send(client, data: bytes, name: str, **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/api/imports/", {"roster": SimpleUploadedFile(name, data), **fields})


def imported(client, data: bytes, name: str) -> RosterImport:
    """Start an import through the API and run it as the worker does; the finished import."""
    response = send(client, data, name)
    assert response.status_code == 202, response.content
    assert response["Location"].endswith(f"/api/imports/{response.json()['id']}/")
    job = RosterImport.objects.get(pk=response.json()["id"])
    assert job.claim()
    roster_import.run(job)
    job.refresh_from_db()
    return job


# A photo showing several faces is imported, saying which face was chosen.
SEVERAL_FACES = re.compile(
    r"^league/[\w/]+\.jpg: [2-9] faces; face \d \((the largest|the most like their other "
    r"photos)\) was chosen as theirs: check it on their photos page\.$"
)


def problems(entry: dict) -> list[str]:
    """A person's problems, less the photos where one of several faces was chosen."""
    return [problem for problem in entry["problems"] if " faces; face " not in problem]


def by_label(job: RosterImport) -> dict[str, dict]:
    return {entry["label"]: entry for entry in job.report}


def enrolled() -> list[tuple[str, int]]:
    return [(a.label, a.examples.count()) for a in Athlete.objects.order_by("label")]


@pytest.fixture
def league_zip(sample_people) -> bytes:
    """Three people's folders in a top folder; Salley's has a copy of one photo (the same
    bytes) and a smaller re-encoding of another, Savage's a photo without a face and a note."""
    entries = {
        f"league/{label.replace('john_', 'John_').title()}/{path.name}": path.read_bytes()
        for label in PEOPLE
        for path in photos(sample_people, label)
    }
    salley = photos(sample_people, "john_salley")
    entries["league/John_Salley/copy.jpg"] = salley[0].read_bytes()
    entries["league/John_Salley/smaller.jpg"] = reencoded(salley[1].read_bytes())
    entries["league/John_Savage/blank.jpg"] = jpeg_bytes((200, 200), (120, 160, 90))
    entries["league/John_Savage/notes.txt"] = b"bring the photos"
    return zipped(entries)


@pytest.mark.db_engine  # duplicates found by query, JSON report, binary embeddings
def test_a_zip_enrols_every_person_with_their_faces_and_says_what_was_wrong(
    staff_client, league_zip
):
    job = imported(staff_client, league_zip, "league.zip")

    assert (job.status, job.people_total, job.people_done, job.percent) == ("done", 3, 3, 100)
    assert job.problems == ["league/John_Savage/notes.txt: not a photo (.jpg, .png, .webp, "
                            ".bmp, .gif); skipped."]  # fmt: skip
    assert enrolled() == [(label, PHOTOS) for label in PEOPLE]
    assert Athlete.objects.get(label="john_salley").display_name == "John Salley"
    examples = Example.objects.all()
    assert all(example.status == "ready" and example.chosen_id for example in examples)
    assert all(len(example.sha256) == 64 and example.source for example in examples)
    assert ExampleFace.objects.filter(embedding__isnull=True).count() == 0
    report = by_label(job)
    assert [report[label]["added"] for label in PEOPLE] == [PHOTOS] * 3
    assert report["john_salley"]["duplicates"] == 2  # the same bytes, and the same face
    assert problems(report["john_salley"]) == [
        "league/John_Salley/smaller.jpg: the same face as a photo already enrolled (a copy); "
        "skipped."
    ]
    assert problems(report["john_savage"]) == ["league/John_Savage/blank.jpg: no face found; "
                                               "skipped."]  # fmt: skip
    several = [p for entry in job.report for p in entry["problems"] if p not in problems(entry)]
    assert all(SEVERAL_FACES.match(problem) for problem in several), several
    assert job.photos_added == 3 * PHOTOS


@pytest.mark.db_engine  # duplicates found by query
def test_importing_the_zip_again_adds_nothing(staff_client, league_zip):
    imported(staff_client, league_zip, "league.zip")
    before = (enrolled(), sorted(Example.objects.values_list("sha256", flat=True)))

    again = imported(staff_client, league_zip, "league.zip")

    assert (enrolled(), sorted(Example.objects.values_list("sha256", flat=True))) == before
    assert again.photos_added == 0
    assert [entry["new"] for entry in again.report] == [False] * 3
    assert by_label(again)["john_salley"]["duplicates"] == PHOTOS + 2


@pytest.fixture
def photo_site(sample_people):
    """The people's photos on a server at 127.0.0.1, with broken answers beside them: a 404,
    a page that is not an image, a photo over the cap, one sent too slowly, and a redirect to
    a private address. Yields the base URL."""
    files = {
        f"/{label}/{n}.jpg": path.read_bytes()
        for label in PEOPLE[:2]
        for n, path in enumerate(photos(sample_people, label))
    }
    big = Image.effect_noise((800, 800), 100).convert("RGB")
    buffer = io.BytesIO()
    big.save(buffer, "PNG")
    files |= {
        "/page.jpg": b"<html>a page, not a photo</html>",
        "/big.png": buffer.getvalue(),
        "/drip.jpg": photos(sample_people, "john_simm")[0].read_bytes() * 3,
    }
    redirects = {"/moved.jpg": "/john_savage/0.jpg", "/private.jpg": "http://10.20.30.40/p.jpg"}
    server = serve(files, redirects)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def roster_csv(base: str) -> bytes:
    rows = ["name,team,sport,number,photo"]
    rows += [f"John Salley,Pistons,basketball,22,{base}/john_salley/{n}.jpg" for n in range(4)]
    rows += [f"John Savage,Actors,,,{base}/john_savage/{n}.jpg" for n in range(1, 4)]
    rows += [
        f"John Savage,,,,{base}/{path}"
        for path in ("moved.jpg", "missing.jpg", "page.jpg", "big.png", "drip.jpg", "private.jpg")
    ]
    rows += ["=HYPERLINK(\"http://evil\"),Actors,,,", "John Simm,Actors,,,"]  # fmt: skip
    return "\n".join(rows).encode()


def test_a_csv_of_urls_imports_the_good_photos_and_says_why_each_bad_one_failed(
    staff_client, photo_site, outside_loopback
):
    job = imported(staff_client, roster_csv(photo_site), "roster.csv")

    report = by_label(job)
    assert list(report) == ["john_salley", "john_savage", "john_simm"]
    assert enrolled() == [("john_salley", 4), ("john_savage", 4), ("john_simm", 0)]
    salley = Athlete.objects.get(label="john_salley")
    assert (salley.team, salley.sport, salley.number) == ("Pistons", "basketball", "22")
    assert list(salley.teams.values_list("name", flat=True)) == ["Pistons"]
    reasons = [
        ("missing.jpg", "the download failed: the server answered 404 Not Found; skipped."),
        ("page.jpg", "This file is not an image we can read; send a JPEG, PNG, WebP, BMP or GIF."),
        ("big.png", "over the 300,000-byte cap; skipped."),
        ("drip.jpg", "the download failed: it took longer than 1 s; skipped."),
        ("private.jpg", "10.20.30.40 is a private address, which is not fetched; skipped."),
    ]
    savage = problems(report["john_savage"])
    assert len(savage) == len(reasons), savage
    for problem, (path, reason) in zip(savage, reasons, strict=True):
        assert problem.startswith(f"{photo_site}/{path}: ") and reason in problem
    # The redirected photo came from where the redirect led.
    assert Example.objects.filter(source=f"{photo_site}/john_savage/0.jpg").count() == 1
    assert report["john_simm"]["problems"] == [
        "Only 0 usable photos: 3 or more are needed to recognise them well."
    ]
    (skipped,) = job.problems
    assert 'line 15: the name begins with "="' in skipped
    assert outside_loopback == []


@pytest.mark.db_engine  # duplicates found by query
def test_importing_the_csv_again_adds_nothing(staff_client, photo_site):
    imported(staff_client, roster_csv(photo_site), "roster.csv")
    before = enrolled()

    again = imported(staff_client, roster_csv(photo_site), "roster.csv")

    assert enrolled() == before
    assert again.photos_added == 0
    assert by_label(again)["john_salley"]["duplicates"] == 4


@pytest.mark.parametrize(
    ("entries", "reason"),
    [
        ({"Ada/1.jpg": b"\0" * (30 * 1024 * 1024)}, "as a zip bomb does"),
        ({"Ada/1.jpg": b"x", "../../etc/cron.d/x": b"x"}, "a path outside the roster's own"),
        ({"notes.txt": b"x"}, "nothing to import"),
    ],
)
def test_a_hostile_or_empty_zip_is_refused_in_words_and_nothing_stored(
    staff_client, entries, reason, media_root
):
    response = send(staff_client, zipped(entries), "league.zip")

    assert response.status_code == 400
    assert reason in response.json()["roster"][0]
    assert RosterImport.objects.count() == 0
    assert not (media_root / "imports").exists()


def test_a_file_that_is_no_roster_is_refused_in_words(staff_client):
    response = send(staff_client, b"GIF89a...", "league.zip")

    assert response.status_code == 400
    assert response.json() == {"roster": ["This file is not a zip archive we can read."]}


@pytest.mark.db_engine  # one running import per user, held by the database
def test_one_import_at_a_time_per_user(staff_client, sent_tasks):
    first = send(staff_client, b"name\nAda Lovelace\n", "roster.csv")

    second = send(staff_client, b"name\nAlan Turing\n", "roster.csv")

    assert (first.status_code, second.status_code) == (202, 409)
    assert second.json() == {"detail": RosterImport.ONE_AT_A_TIME}
    assert RosterImport.objects.count() == 1


def test_imports_need_the_enrolment_permission_and_stay_their_owners(
    client, staff, django_user_model, user_client
):
    assert send(user_client, b"name\nAda\n", "roster.csv").status_code == 403
    job = RosterImport.objects.create(created_by=staff, source_name="roster.csv")
    enroller = django_user_model.objects.create_user("enroller", password=PASSWORD)
    from django.contrib.auth.models import Permission

    enroller.user_permissions.add(Permission.objects.get(codename="add_athlete"))
    client.force_login(enroller)

    assert client.get(f"/api/imports/{job.pk}/").status_code == 404
    assert client.get(f"/imports/{job.pk}/").status_code == 404
    assert client.get("/api/imports/").json()["results"] == []


def test_the_page_starts_an_import_and_shows_its_report_with_train_now(staff_client, league_zip):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = staff_client.post(
        "/imports/", {"roster": SimpleUploadedFile("league.zip", league_zip)}
    )
    job = RosterImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    waiting = staff_client.get(f"/imports/{job.pk}/").content.decode()
    assert "Waiting for the worker: 0 of 3 people" in waiting
    assert 'http-equiv="refresh"' in waiting
    job.claim()
    roster_import.run(job)

    page = staff_client.get(f"/imports/{job.pk}/").content.decode()

    job.refresh_from_db()
    assert (
        f"Done: 3 of 3 people, 12 photos added, 3 new athletes, {job.problem_count} problems."
        in page
    )
    assert "blank.jpg: no face found; skipped." in page
    assert "Train now" in page
    assert 'http-equiv="refresh"' not in page


def test_train_automatically_starts_a_training_when_done(staff_client, league_zip, sent_tasks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    staff_client.post(
        "/imports/", {"roster": SimpleUploadedFile("league.zip", league_zip), "train": "on"}
    )
    job = RosterImport.objects.get()
    job.claim()
    roster_import.run(job)
    job.refresh_from_db()

    assert job.model_version is not None and job.model_version.status == "training"
    page = staff_client.get(f"/imports/{job.pk}/").content.decode()
    assert f"Training {job.model_version.version} started" in page
    assert "Train now" not in page


@pytest.mark.db_engine  # the claim: a conditional UPDATE on times
def test_a_second_delivery_leaves_a_running_import_alone_unless_its_worker_was_lost(staff):
    job = RosterImport.objects.create(created_by=staff, source_name="roster.csv")
    assert job.claim() and job.status == "running"
    assert not job.claim()  # the broker handed it on while the first worker still works
    lost = timezone.now() - RosterImport.STALE_AFTER - timedelta(seconds=1)
    RosterImport.objects.filter(pk=job.pk).update(progressed_at=lost)

    assert job.claim()
    job.finish()
    assert not job.claim()


def test_an_import_done_while_a_model_trains_says_it_did_not_train(
    staff, staff_client, league_zip, sent_tasks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    other = ModelVersion.objects.start_training(staff)
    staff_client.post(
        "/imports/", {"roster": SimpleUploadedFile("league.zip", league_zip), "train": "on"}
    )
    job = RosterImport.objects.get()
    job.claim()
    roster_import.run(job)
    job.refresh_from_db()

    assert (job.status, job.model_version) == ("done", None)
    assert f"Not trained: {ONE_TRAINING}" in job.problems
    assert list(ModelVersion.objects.filter(status="training")) == [other]
