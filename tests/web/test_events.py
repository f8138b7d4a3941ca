"""Events with rosters: upload into one, name only its athletes, filter and export by event."""

import csv
import io
import shutil
import subprocess
import zipfile
from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from classifier.desk import event_zip
from classifier.models import Event, EventExport, Prediction, Team
from classifier.tasks import build_event_export, run_prediction
from tests.web.conftest import exported, jpeg_bytes, upload_file

NADAL_FACE = {"box": [4, 4, 20, 20], "label": "rafael_nadal", "candidate": "rafael_nadal",
              "score": 0.9, "needs_review": False, "detection_confidence": 0.99}  # fmt: skip


@pytest.fixture
def sent_exports(monkeypatch) -> list[str]:
    """The exports sent to the worker, recorded instead of sent."""
    sent: list[str] = []
    monkeypatch.setattr(EventExport, "send", lambda export: sent.append(str(export.pk)))
    return sent


@pytest.fixture
def final(athletes) -> Event:
    """A game between two teams: Nadal's, and another that has LeBron James."""
    lebron, nadal = athletes
    spain, lakers = Team.objects.create(name="Spain"), Team.objects.create(name="Lakers")
    spain.athletes.add(nadal)
    lakers.athletes.add(lebron)
    event = Event.objects.create(name="Final", date=date(2026, 6, 7))
    event.teams.add(spain)
    return event


@pytest.fixture
def desk(django_user_model):
    """An account with the permission to upload into events."""
    user = django_user_model.objects.create_user("desk", password="a-long-password")
    user.user_permissions.set(Permission.objects.filter(codename="upload_to_event"))
    return user


@pytest.fixture
def desk_client(client, desk):
    client.force_login(desk)
    return client


def stored_photo(make_prediction, media_root, **fields) -> Prediction:
    prediction = make_prediction(faces=[NADAL_FACE], **fields)
    (media_root / prediction.image.name).parent.mkdir(parents=True, exist_ok=True)
    (media_root / prediction.image.name).write_bytes(jpeg_bytes())
    return prediction


def zipped(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.content
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def csv_rows(bundle: zipfile.ZipFile) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(bundle.read("photos.csv").decode())))


@pytest.mark.db_engine  # a roster from two many-to-many joins
def test_the_roster_is_its_teams_and_its_chosen_athletes(final, athletes):
    assert final.roster() == {"rafael_nadal"}

    final.athletes.add(athletes[0])

    assert final.roster() == {"rafael_nadal", "lebron_james"}


def test_an_event_without_a_roster_limits_nobody(db):
    assert Event.objects.create(name="Open day", date=date(2026, 1, 1)).roster() is None


def test_it_uploads_into_an_event_through_the_api(desk_client, final, model_version, sent_tasks):
    response = desk_client.post(
        "/api/predictions/", {"image": upload_file(jpeg_bytes()), "event": final.pk}
    )

    assert response.status_code == 202
    assert response.json()["event"] == final.pk
    assert Prediction.objects.get().event == final


def test_it_refuses_an_event_that_does_not_exist(client, db, sent_tasks):
    response = client.post("/api/predictions/", {"image": upload_file(jpeg_bytes()), "event": 999})

    assert response.status_code == 400
    assert "event" in response.json()
    assert not Prediction.objects.exists()
    assert sent_tasks == []


def test_it_uploads_into_an_event_from_the_page(desk_client, final, model_version, sent_tasks):
    page = desk_client.get("/").content.decode()
    assert f'<option value="{final.pk}">Final (2026-06-07)</option>' in page

    response = desk_client.post("/upload/", {"image": upload_file(jpeg_bytes()), "event": final.pk})

    assert response.status_code == 302
    assert Prediction.objects.get().event == final


def test_only_accounts_allowed_may_upload_into_an_event(
    user_client, final, model_version, sent_tasks
):
    stranger = Client()  # anonymous, and no cookies: a script
    photo = {"image": upload_file(jpeg_bytes()), "event": final.pk}

    api = stranger.post("/api/predictions/", photo)
    page = Client().post("/upload/", {"image": upload_file(jpeg_bytes()), "event": final.pk})
    signed_in = user_client.post(
        "/api/predictions/", {"image": upload_file(jpeg_bytes()), "event": final.pk}
    )

    assert (api.status_code, page.status_code, signed_in.status_code) == (403, 403, 403)
    assert "This event takes photos only from accounts allowed" in api.json()["detail"]
    assert "sign in" in page.content.decode()
    assert "yours is not" in signed_in.json()["detail"]
    assert not Prediction.objects.exists()
    assert sent_tasks == []


def test_an_open_event_takes_anyones_photos(client, final, model_version, sent_tasks):
    final.open = True
    final.save()

    api = Client().post(
        "/api/predictions/", {"image": upload_file(jpeg_bytes()), "event": final.pk}
    )
    page = client.post("/upload/", {"image": upload_file(jpeg_bytes()), "event": final.pk})

    assert (api.status_code, page.status_code) == (202, 302)
    assert Prediction.objects.filter(event=final).count() == 2
    assert not Prediction.objects.from_event_uploaders().exists()  # neither passes for the desk's


def test_the_page_refuses_an_event_that_does_not_exist(client, db, sent_tasks):
    response = client.post("/upload/", {"image": upload_file(jpeg_bytes()), "event": "999"})

    assert response.status_code == 400
    assert "That event does not exist" in response.content.decode()
    assert not Prediction.objects.exists()


def test_the_worker_names_only_the_roster(
    make_prediction, media_photo, final, fake_predictor, model_version
):
    prediction = make_prediction(status="queued", label="", image=media_photo, event=final)

    run_prediction.apply(args=[str(prediction.pk)], task_id="task-1")

    assert fake_predictor.allowed == {"rafael_nadal"}
    prediction.refresh_from_db()
    assert prediction.status == Prediction.Status.DONE


def test_outside_an_event_the_worker_names_anyone(
    make_prediction, media_photo, fake_predictor, model_version
):
    prediction = make_prediction(status="queued", label="", image=media_photo)

    run_prediction.apply(args=[str(prediction.pk)], task_id="task-1")

    assert fake_predictor.allowed is None
    prediction.refresh_from_db()
    assert prediction.status == Prediction.Status.DONE


@pytest.mark.db_engine  # matching a null event
def test_a_result_is_reused_only_within_the_same_event(
    desk_client, final, model_version, sent_tasks
):
    data = jpeg_bytes()
    first = desk_client.post("/api/predictions/", {"image": upload_file(data)})
    finished = {"status": "done", "label": "rafael_nadal", "model_version": model_version}
    Prediction.objects.filter(pk=first.json()["id"]).update(**finished)

    other_event = desk_client.post(
        "/api/predictions/", {"image": upload_file(data), "event": final.pk}
    )
    same_event = desk_client.post("/api/predictions/", {"image": upload_file(data)})

    assert (other_event.status_code, same_event.status_code) == (202, 201)
    assert Prediction.objects.get(pk=other_event.json()["id"]).reused_from is None


def test_history_filters_by_event(staff_client, make_prediction, final):
    make_prediction(original_name="in-final.jpg", event=final)
    make_prediction(original_name="elsewhere.jpg")

    api = staff_client.get("/api/predictions/", {"event": final.pk})
    page = staff_client.get("/predictions/", {"event": final.pk})

    assert [item["original_name"] for item in api.json()["results"]] == ["in-final.jpg"]
    assert [p.original_name for p in page.context["page"].object_list] == ["in-final.jpg"]
    assert f'href="/events/{final.pk}/export/"' in page.content.decode()


def test_the_api_lists_events_with_their_rosters(desk_client, final):
    response = desk_client.get("/api/events/")

    assert response.status_code == 200
    assert response.json()["results"] == [
        {"id": final.pk, "name": "Final", "date": "2026-06-07", "roster": ["rafael_nadal"]}
    ]


def test_events_and_their_rosters_are_listed_only_to_who_may_upload_into_them(
    client, user_client, final, athletes
):
    """A game's name, date and roster are planning data: anonymous visitors and accounts
    without the permission see only the events marked open."""
    public = Event.objects.create(name="Open day", date=date(2026, 6, 1), open=True)

    anonymous = Client().get("/api/events/").json()["results"]
    signed_in = user_client.get("/api/events/").json()["results"]
    one = Client().get(f"/api/events/{final.pk}/")
    export = Client().get(f"/api/events/{final.pk}/export/")
    page = Client().get("/").content.decode()
    history = Client().get("/predictions/").content.decode()

    assert [event["name"] for event in anonymous] == ["Open day"]
    assert [event["name"] for event in signed_in] == ["Open day"]
    assert (one.status_code, export.status_code) == (404, 404)
    assert f'<option value="{public.pk}">Open day (2026-06-01)</option>' in page
    assert "Final" not in page and "Final" not in history


@pytest.mark.db_engine  # the export's order and status filter
@pytest.mark.skipif(shutil.which("exiftool") is None, reason="needs exiftool")
def test_the_export_zips_the_tagged_photos_with_a_csv(
    staff_client, make_prediction, final, media_root, settings
):
    settings.ATHLETES_CAPTION_TEMPLATE = "{names} during {event}, {date}"
    stored = []
    for name in ("serve.jpg", "serve.jpg", "pending.jpg"):
        prediction = make_prediction(original_name=name, event=final, faces=[NADAL_FACE])
        (media_root / prediction.image.name).parent.mkdir(parents=True, exist_ok=True)
        (media_root / prediction.image.name).write_bytes(jpeg_bytes())
        stored.append(prediction)
    Prediction.objects.filter(pk=stored[2].pk).update(status="queued")
    make_prediction(original_name="elsewhere.jpg")

    response = exported(staff_client, f"/api/events/{final.pk}/export/")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="final-2026-06-07-athletes.zip"'
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(bundle.namelist()) == ["photos.csv", "serve-athletes-2.jpg", "serve-athletes.jpg"]
    rows = list(csv.DictReader(io.StringIO(bundle.read("photos.csv").decode())))
    assert {row["prediction_id"] for row in rows} == {str(stored[0].pk), str(stored[1].pk)}
    assert rows[0]["people"] == "Rafael Nadal"
    assert rows[0]["caption"] == "Rafael Nadal during Final, 7 June 2026"
    assert b"Rafael Nadal" in bundle.read("serve-athletes.jpg")


def test_the_export_holds_only_the_photos_you_may_list(client, make_prediction, final, media_root):
    final.open = True
    final.save()
    make_prediction(original_name="someone-elses.jpg", event=final, visitor="b" * 32)

    response = exported(client, f"/api/events/{final.pk}/export/?uploads=all")

    assert response.status_code == 200
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert bundle.namelist() == ["photos.csv"]


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="needs exiftool")
def test_each_exported_photo_carries_its_own_names_across_exiftool_runs(
    staff_client, make_prediction, final, media_root, monkeypatch, tmp_path
):
    monkeypatch.setattr(event_zip, "PHOTOS_PER_EXIFTOOL_RUN", 2)
    faces = [NADAL_FACE, {**NADAL_FACE, "label": "lebron_james", "candidate": "lebron_james"}]
    for number in range(5):
        prediction = make_prediction(original_name=f"{number}.jpg", event=final,
                                     faces=[faces[number % 2]])  # fmt: skip
        (media_root / prediction.image.name).parent.mkdir(parents=True, exist_ok=True)
        (media_root / prediction.image.name).write_bytes(jpeg_bytes())

    response = exported(staff_client, f"/api/events/{final.pk}/export/")

    bundle = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(csv.DictReader(io.StringIO(bundle.read("photos.csv").decode())))
    assert len(rows) == 5
    for row in rows:
        expected = "Rafael Nadal" if int(row["original_name"][0]) % 2 == 0 else "LeBron James"
        assert row["people"] == expected
        (tmp_path / row["file"]).write_bytes(bundle.read(row["file"]))
        written = subprocess.run(
            ["exiftool", "-s3", "-PersonInImage", str(tmp_path / row["file"])],
            check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        assert written == expected


@pytest.mark.db_engine  # users holding a permission, directly or through a group
@pytest.mark.skipif(shutil.which("exiftool") is None, reason="needs exiftool")
def test_the_export_keeps_to_the_events_own_uploaders_unless_asked(
    staff_client, desk, django_user_model, make_prediction, final, media_root
):
    """A stranger's photo in an open event (or from before events were closed) is not filed
    and captioned as the desk's unless the desk asks for every upload."""
    fan = django_user_model.objects.create_user("fan", password="a-long-password")
    stored_photo(make_prediction, media_root, original_name="desk.jpg", event=final, uploader=desk)
    stored_photo(make_prediction, media_root, original_name="hot-folder.jpg", event=final)
    stored_photo(make_prediction, media_root, original_name="fan.jpg", event=final, uploader=fan)
    stored_photo(
        make_prediction, media_root, original_name="stranger.jpg", event=final, visitor="b" * 32
    )

    default = csv_rows(zipped(exported(staff_client, f"/api/events/{final.pk}/export/")))
    every = csv_rows(zipped(exported(staff_client, f"/api/events/{final.pk}/export/?uploads=all")))

    assert sorted(row["original_name"] for row in default) == ["desk.jpg", "hot-folder.jpg"]
    assert len(every) == 4


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="needs exiftool")
def test_the_exports_csv_never_starts_a_cell_with_a_formula(
    staff_client, make_prediction, final, media_root
):
    name = "+cmd|' -c calc'!A0.jpg"
    stored_photo(make_prediction, media_root, original_name=name, event=final)

    (row,) = csv_rows(zipped(exported(staff_client, f"/api/events/{final.pk}/export/")))

    assert row["original_name"] == f"'{name}"


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="needs exiftool")
def test_the_worker_builds_the_export_which_is_kept_until_the_photos_change(
    staff_client,
    make_prediction,
    final,
    media_root,
    staff,
    sent_exports,
    settings,
    django_capture_on_commit_callbacks,
):
    def ask(url):
        with django_capture_on_commit_callbacks(execute=True):
            return staff_client.get(url)

    prediction = make_prediction(original_name="serve.jpg", event=final, faces=[NADAL_FACE])
    (media_root / prediction.image.name).parent.mkdir(parents=True, exist_ok=True)
    (media_root / prediction.image.name).write_bytes(jpeg_bytes())
    url = f"/api/events/{final.pk}/export/"

    asked = ask(url)

    # The request only queues it: no exiftool in the web, nothing built yet.
    assert asked.status_code == 202
    assert asked["Retry-After"] == "2"
    assert asked.json()["status"] == "preparing"
    assert sent_exports == [str(EventExport.objects.get().pk)]
    assert not (media_root / prediction.tagged_folder).exists()
    assert ask(url).status_code == 202  # the same export, not a second one
    build_event_export(sent_exports[0])
    first, again = ask(url), ask(url)
    assert (first.status_code, again.status_code) == (200, 200)
    assert b"".join(first.streaming_content) == b"".join(again.streaming_content)
    assert EventExport.objects.count() == 1 and len(sent_exports) == 1
    # A review changes what the photo says: a new export, the kept one no longer fits.
    prediction.faces.get().record_review(staff, "correct", "unknown")
    assert ask(url).status_code == 202
    assert len(sent_exports) == 2
    # Kept a while, then deleted with its zip.
    settings.ATHLETES_EXPORT_KEEP_SECONDS = 0
    kept = EventExport.objects.get(status="ready")
    ask(url)
    assert not EventExport.objects.filter(pk=kept.pk).exists()
    assert not (media_root / kept.file.name).exists()


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="needs exiftool")
def test_the_export_page_says_it_is_being_prepared_then_offers_the_download(
    staff_client, make_prediction, final, media_root, sent_exports, django_assert_max_num_queries
):
    for number in range(5):
        prediction = make_prediction(original_name=f"{number}.jpg", event=final, faces=[NADAL_FACE])
        (media_root / prediction.image.name).parent.mkdir(parents=True, exist_ok=True)
        (media_root / prediction.image.name).write_bytes(jpeg_bytes())

    asked = staff_client.get(f"/events/{final.pk}/export/?uploads=all")
    export = EventExport.objects.get()
    assert asked.status_code == 302
    assert asked["Location"] == f"/exports/{export.pk}/?uploads=all"
    # The page follows the export itself: its 5 photos are not chosen and named again at each
    # reload (that takes a query or more per photo).
    with django_assert_max_num_queries(5):
        preparing = staff_client.get(asked["Location"]).content.decode()
    build_event_export(str(export.pk))
    ready = staff_client.get(asked["Location"]).content.decode()

    assert "is being prepared" in preparing and 'http-equiv="refresh"' in preparing
    assert "download" not in preparing
    assert "is ready" in ready and 'http-equiv="refresh"' not in ready
    assert f'href="/api/events/{final.pk}/export/?uploads=all" download' in ready
    zipped = exported(staff_client, f"/api/events/{final.pk}/export/?uploads=all")
    assert zipped.status_code == 200 and EventExport.objects.count() == 1


def test_a_failed_export_says_why_once_then_starts_again(
    staff_client, make_prediction, final, media_root, sent_exports, monkeypatch
):
    prediction = make_prediction(original_name="serve.jpg", event=final, faces=[NADAL_FACE])
    (media_root / prediction.image.name).parent.mkdir(parents=True, exist_ok=True)
    (media_root / prediction.image.name).write_bytes(jpeg_bytes())
    monkeypatch.setenv("PATH", "/nonexistent")  # no exiftool
    staff_client.get(f"/events/{final.pk}/export/?uploads=all")
    build_event_export(str(EventExport.objects.get().pk))

    failed = staff_client.get(f"/events/{final.pk}/export/?uploads=all")
    again = staff_client.get(f"/events/{final.pk}/export/?uploads=all")

    assert failed.status_code == 200
    assert "The zip could not be made: Tagged downloads need exiftool" in failed.content.decode()
    assert f'href="/events/{final.pk}/export/"' in failed.content.decode()
    assert again.status_code == 302
    assert EventExport.objects.get().status == "queued"


def test_the_export_page_is_not_found_for_an_event_you_may_not_see(client, final):
    assert client.get(f"/events/{final.pk}/export/").status_code == 404


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="needs exiftool")
def test_a_kept_zip_goes_with_a_photo_it_holds_and_with_its_event(
    client, make_prediction, final, media_root, sent_exports, django_capture_on_commit_callbacks
):
    """Deleting a photo deletes every copy the site keeps; an export's zip is one."""

    def kept_zip() -> EventExport:
        prediction = make_prediction(original_name="serve.jpg", event=final, faces=[NADAL_FACE])
        (media_root / prediction.image.name).parent.mkdir(parents=True, exist_ok=True)
        (media_root / prediction.image.name).write_bytes(jpeg_bytes())
        EventExport.objects.start(final, "key", [prediction])
        export = EventExport.objects.get()
        build_event_export(str(export.pk))
        export.refresh_from_db()
        assert (media_root / export.file.name).is_file()
        return export

    export = kept_zip()
    with django_capture_on_commit_callbacks(execute=True):
        Prediction.objects.get(pk=export.photos[0]).delete()
    assert not EventExport.objects.exists()
    assert not (media_root / export.file.name).exists()

    export = kept_zip()
    with django_capture_on_commit_callbacks(execute=True):
        final.delete()
    assert not EventExport.objects.exists()
    assert not (media_root / export.file.name).exists()


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="needs exiftool")
def test_an_export_whose_event_goes_while_it_is_built_leaves_no_zip(
    staff_client, make_prediction, final, media_root, sent_exports
):
    prediction = make_prediction(original_name="serve.jpg", event=final, faces=[NADAL_FACE])
    (media_root / prediction.image.name).parent.mkdir(parents=True, exist_ok=True)
    (media_root / prediction.image.name).write_bytes(jpeg_bytes())
    staff_client.get(f"/api/events/{final.pk}/export/")
    export = EventExport.objects.get()
    EventExport.objects.filter(pk=export.pk).delete()  # meanwhile, as its event's deletion does

    event_zip.build(export)

    assert not EventExport.objects.exists()
    assert not list((media_root / "exports").glob("*"))
