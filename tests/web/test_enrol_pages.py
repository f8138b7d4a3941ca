"""The staff pages that enrol athletes: add one, add photos, choose the athlete's face, remove a
photo, and make a face from the history an example."""

import numpy as np
import pytest
from django.core.files.base import ContentFile

from classifier.models import Athlete, Example, ExampleFace
from tests.web.conftest import jpeg_bytes, upload_file


def vectors(*rows: list[float]) -> np.ndarray:
    """Embeddings, one row each, padded with zeros to FaceNet's 128 numbers."""
    return np.array([[*row, *[0.0] * (128 - len(row))] for row in rows], dtype="<f4")


def example_of(athlete: Athlete, name: str = "x.jpg") -> Example:
    example = Example(athlete=athlete, original_name=name, width=640, height=480)
    example.image.save(name, ContentFile(jpeg_bytes((640, 480))))
    return example


def test_it_adds_an_athlete_and_leads_to_their_photos(staff_client):
    response = staff_client.post(
        "/athletes/", {"display_name": "Roger Federer", "team": "", "sport": "Tennis"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/athletes/roger_federer/examples/"
    athlete = Athlete.objects.get()
    assert (athlete.label, athlete.display_name, athlete.sport) == (
        "roger_federer",
        "Roger Federer",
        "Tennis",
    )


def test_it_says_why_a_name_is_refused_and_adds_nobody(staff_client, athletes):
    response = staff_client.post("/athletes/", {"display_name": "Rafael Nadal"})

    assert response.status_code == 400
    assert (
        "An athlete labelled &quot;rafael_nadal&quot; exists already." in response.content.decode()
    )
    assert Athlete.objects.filter(label="rafael_nadal").count() == 1


def test_the_list_says_which_athletes_the_active_model_knows(staff_client, model_version):
    Athlete.objects.create(label="roger_federer", display_name="Roger Federer")

    page = staff_client.get("/athletes/").content.decode()

    assert page.count("knows them") == 2
    assert page.count("not yet: train and activate") == 1


@pytest.mark.parametrize("url", ["/athletes/", "/athletes/rafael_nadal/examples/", "/models/"])
def test_staff_pages_send_visitors_to_sign_in_and_refuse_users(client, user_client, athletes, url):
    assert user_client.get(url).status_code == 403
    user_client.logout()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_it_stores_several_photos_and_asks_the_worker_for_their_faces(
    staff_client, athletes, sent_tasks, django_capture_on_commit_callbacks
):
    photos = [upload_file(jpeg_bytes(), f"nadal{n}.jpg") for n in range(3)]

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post("/athletes/rafael_nadal/examples/", {"images": photos})

    assert response.status_code == 302
    examples = list(Example.objects.filter(athlete__label="rafael_nadal"))
    assert [e.status for e in examples] == ["pending"] * 3
    assert sorted(sent_tasks) == sorted(e.pk for e in examples)
    page = staff_client.get("/athletes/rafael_nadal/examples/").content.decode()
    assert '<meta http-equiv="refresh"' in page
    assert "3 photos added" in page


def test_it_stores_no_photo_when_one_is_not_a_photo(staff_client, athletes, sent_tasks):
    photos = [upload_file(jpeg_bytes(), "good.jpg"), upload_file(b"not a photo", "bad.jpg")]

    response = staff_client.post(
        "/athletes/rafael_nadal/examples/", {"images": photos}, follow=True
    )

    assert response.status_code == 200
    assert "bad.jpg" in response.content.decode()
    assert not Example.objects.exists()
    assert sent_tasks == []


def test_it_chooses_the_face_most_like_the_athlete_s_other_photos(athletes):
    nadal = athletes[1]
    earlier = example_of(nadal)
    earlier.record_faces([(0, 0, 50, 50)], vectors([0.0, 1.0]))
    crowded = example_of(nadal)

    crowded.record_faces([(0, 0, 90, 90), (100, 0, 40, 40)], vectors([1.0, 0.0], [0.1, 0.9]))

    crowded.refresh_from_db()
    assert crowded.status == Example.Status.READY
    assert crowded.chosen.position == 1
    assert crowded.faces.count() == 2


def test_it_chooses_the_largest_face_of_a_first_photo(athletes):
    first = example_of(athletes[1])

    first.record_faces([(0, 0, 90, 90), (100, 0, 40, 40)], vectors([1.0, 0.0], [0.1, 0.9]))

    first.refresh_from_db()
    assert (first.status, first.chosen.position) == (Example.Status.READY, 0)


def test_a_photo_without_a_face_says_so(staff_client, athletes):
    example = example_of(athletes[1], "crowd.jpg")

    example.record_faces([], np.zeros((0, 128), "<f4"))

    example.refresh_from_db()
    assert (example.status, example.chosen) == (Example.Status.NO_FACE, None)
    page = staff_client.get("/athletes/rafael_nadal/examples/").content.decode()
    assert "No face found" in page


def test_staff_choose_another_face_with_one_click(staff_client, athletes):
    example = example_of(athletes[1])
    example.record_faces([(0, 0, 90, 90), (100, 0, 40, 40)], vectors([1.0], [0.0, 1.0]))
    other = example.faces.get(position=1)
    page = staff_client.get("/athletes/rafael_nadal/examples/").content.decode()
    assert page.count('aria-pressed="true"') == 1

    response = staff_client.post(f"/examples/{example.pk}/choose/", {"face": other.pk})

    assert response.status_code == 302
    example.refresh_from_db()
    assert example.chosen == other


def test_a_face_of_another_photo_cannot_be_chosen(staff_client, athletes):
    example, another = example_of(athletes[1]), example_of(athletes[1])
    example.record_faces([(0, 0, 90, 90)], vectors([1.0]))
    another.record_faces([(0, 0, 90, 90)], vectors([1.0]))

    response = staff_client.post(
        f"/examples/{example.pk}/choose/", {"face": another.faces.get().pk}
    )

    assert response.status_code == 404
    example.refresh_from_db()
    assert example.chosen == example.faces.get()


def test_removing_a_photo_deletes_it_and_its_file(
    staff_client, athletes, media_root, django_capture_on_commit_callbacks
):
    example = example_of(athletes[1])
    example.record_faces([(0, 0, 90, 90)], vectors([1.0]))
    path = media_root / example.image.name

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/examples/{example.pk}/remove/")

    assert response.status_code == 302
    assert not Example.objects.exists()
    assert not ExampleFace.objects.exists()
    assert not path.exists()


def test_a_face_from_the_history_becomes_an_example_of_the_athlete_chosen(
    staff_client, make_prediction, with_files, athletes, sent_tasks
):
    faces = [
        {"box": [4, 4, 20, 20], "label": "rafael_nadal", "candidate": "rafael_nadal",
         "score": 0.9, "needs_review": False},
        {"box": [30, 4, 16, 16], "label": "unknown", "candidate": "lebron_james",
         "score": 0.4, "needs_review": False},
    ]  # fmt: skip
    prediction = with_files(make_prediction(faces=faces))
    source = prediction.faces.get(position=1)

    response = staff_client.post(
        f"/faces/{source.pk}/example/", {"athlete": "lebron_james", "next": "/review/"}
    )

    assert (response.status_code, response["Location"]) == (302, "/review/")
    example = Example.objects.get()
    assert (example.athlete.label, example.status, example.source_face) == (
        "lebron_james",
        Example.Status.READY,
        source,
    )
    assert example.chosen.box == (30, 4, 16, 16)
    assert example.faces.count() == 2
    assert example.image.name != prediction.image.name
    assert example.image.storage.exists(example.image.name)
    assert sent_tasks == []  # its faces are the history's: nothing to detect


def test_a_face_needs_an_athlete_to_become_an_example(staff_client, make_prediction, with_files):
    face = with_files(make_prediction()).faces.get()

    response = staff_client.post(f"/faces/{face.pk}/example/", {"athlete": "", "next": "//evil"})

    assert response.status_code == 302
    assert response["Location"] == f"/predictions/{face.prediction_id}/"
    assert not Example.objects.exists()


def test_a_photo_the_worker_cannot_read_fails_with_a_sentence(athletes):
    from classifier.tasks import detect_example_faces

    example = Example(athlete=athletes[1], original_name="broken.jpg")
    example.image.save("broken.jpg", ContentFile(b"not a photo"))

    detect_example_faces(example.pk)

    example.refresh_from_db()
    assert example.status == Example.Status.FAILED
    assert example.error.endswith(".") and "Error" not in example.error
    assert not example.faces.exists()


def test_an_upload_while_the_broker_is_down_waits_for_the_sweep(
    staff_client, athletes, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from athletes_site.celery_app import app

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(app, "send_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/athletes/rafael_nadal/examples/", {"images": [upload_file(jpeg_bytes())]}
        )

    assert response.status_code == 302
    assert Example.objects.get().status == Example.Status.PENDING


def test_the_sweep_sends_again_examples_waiting_too_long(athletes, sent_tasks):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    lost, fresh, done = example_of(athletes[1]), example_of(athletes[1]), example_of(athletes[1])
    Example.objects.filter(pk__in=[lost.pk, done.pk]).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    done.record_faces([(0, 0, 90, 90)], vectors([1.0]))

    call_command("requeue_stale")

    assert sent_tasks == [lost.pk]
    fresh.refresh_from_db()
    assert fresh.status == Example.Status.PENDING


def test_a_task_for_an_example_already_done_keeps_the_choice(athletes):
    from classifier.tasks import detect_example_faces

    example = example_of(athletes[1])
    example.record_faces([(0, 0, 90, 90), (100, 0, 40, 40)], vectors([1.0], [0.0, 1.0]))
    example.choose(example.faces.get(position=1))

    detect_example_faces(example.pk)  # a duplicate delivery

    example.refresh_from_db()
    assert (example.status, example.chosen.position) == (Example.Status.READY, 1)


def test_it_refuses_a_name_with_a_line_break(staff_client):
    response = staff_client.post("/athletes/", {"display_name": "Ada\nBell"})

    assert response.status_code == 400
    assert "A name cannot hold control characters" in response.content.decode()
    assert not Athlete.objects.exists()
