"""A version trained by the worker's code from reviewed faces: faces reviewed as an athlete are
fitted, one photo in four is held out, and the admin page and the API show what was measured on
the held-out faces, with its DET curve; a version with nothing held out says so."""

import shutil
import uuid
from pathlib import Path

import numpy as np
import pytest

from classifier.models import ModelVersion
from classifier.models.embeddings import embedding_bytes
from classifier.worker.training import train_version
from ml.det import DetCurve, OperatingPoint, ScoredFaces
from ml.dev_report import DevReport, OthersSummary
from ml.reviewed import held_out

LEBRON, NADAL = "lebron_james", "rafael_nadal"
PNG = b"\x89PNG\r\n\x1a\n a dev set's DET curve"
DEV_REPORT = DevReport(
    OthersSummary(photos=0, faces=0, faces_named=0, photos_named=[], photos_flagged=[]),
    athletes={},
    groups=[],
    det=DetCurve(ScoredFaces([], []), {"sure": OperatingPoint({}, 0.01, 0.2)}),
)
TRAINING = {LEBRON: ["james(5).jpg", "james(6).jpg", "james(10).jpg"],
            NADAL: ["nadal(2).jpg", "nadal(3).jpg", "nadal(4).jpg"]}  # fmt: skip
# (photo, who the model said, the reviewer's verdict and answer, held out or fitted)
REVIEWED = [
    ("james(11).jpg", LEBRON, "confirm", "", False),
    ("james(12).jpg", NADAL, "correct", LEBRON, False),  # corrected to an athlete
    ("james(13).jpg", LEBRON, "confirm", "", True),
    ("nadal(6).jpg", NADAL, "confirm", "", False),
    ("nadal(9).jpg", NADAL, "confirm", "", True),
    ("nadal(10).jpg", NADAL, "confirm", "", True),
    (None, NADAL, "correct", "unknown", False),  # "not Nadal"
    (None, NADAL, "correct", "unknown", True),
]


def photo_path(sample_data: Path, name: str) -> Path:
    return sample_data / (LEBRON if name.startswith("james") else NADAL) / name


@pytest.fixture(scope="module")
def embeddings(sample_data, facenet_weights) -> dict[str | None, np.ndarray]:
    """Each reviewed photo's face as the worker stores it; None: a stranger (a real
    embedding's numbers in reverse order, unit length and nobody's face)."""
    from ml.embedder import Embedder
    from ml.faces import FaceDetector
    from ml.imaging import load_image

    detector, embedder = FaceDetector(), Embedder(facenet_weights)
    found: dict[str | None, np.ndarray] = {}
    for name in {name for name, *_ in REVIEWED if name}:
        face = detector.detect(load_image(photo_path(sample_data, name)).image).faces[0]
        found[name] = embedder.embed(face.crop[np.newaxis])[0]
    found[None] = found["nadal(6).jpg"][::-1].copy()
    return found


def prediction_ids(held: bool):
    """Prediction ids, in order, that the split puts on the `held` side."""
    return (pk for n in range(1000) if held_out(str(pk := uuid.UUID(int=n))) == held)


@pytest.fixture
def trained(settings, tmp_path, sample_data, embeddings, make_prediction, staff):
    """A version trained by ``train_version`` from three photos each and the reviewed faces."""
    folder = tmp_path / "training"
    for label, names in TRAINING.items():
        (folder / label).mkdir(parents=True)
        for name in names:
            shutil.copy(photo_path(sample_data, name), folder / label / name)
    settings.ATHLETES_SAMPLE_DATA = folder
    settings.ATHLETES_MODELS_DIR = tmp_path / "models"
    ids = {True: prediction_ids(True), False: prediction_ids(False)}
    for name, said, verdict, answer, held in REVIEWED:
        face = {"box": [1, 2, 30, 30], "label": said, "candidate": said, "score": 0.9,
                "needs_review": False}  # fmt: skip
        prediction = make_prediction(id=next(ids[held]), faces=[face])
        stored = prediction.faces.get()
        stored.embedding = embedding_bytes(embeddings[name])
        stored.save()
        stored.record_review(staff, verdict, answer)
    return train_version(ModelVersion.objects.start_training())


def test_training_fits_the_reviewed_faces_and_measures_the_held_out_ones(trained):
    trained.refresh_from_db()
    report = trained.held_out_report

    assert trained.status == ModelVersion.Status.READY
    assert report is not None
    assert (report.fitted_faces, report.held_out_faces, report.held_out_photos) == (4, 4, 4)
    lebron, nadal = report.athletes[LEBRON], report.athletes[NADAL]
    assert (lebron.training_photos, lebron.reviewed_positives, lebron.held_out) == (3, 2, 1)
    assert (nadal.training_photos, nadal.reviewed_positives, nadal.held_out) == (3, 1, 2)
    assert (lebron.reviewed_impostors, nadal.reviewed_impostors) == (2, 3)
    assert report.strangers.held_out == 1
    per_athlete = trained.manifest["calibration"]["per_athlete"]
    assert per_athlete[LEBRON]["genuine_photos"] == 3 + 2
    assert trained.held_out_det_curve.read().startswith(b"\x89PNG")


def test_the_version_page_and_the_api_show_the_held_out_figures_and_curve(trained, staff_client):
    figures = dict(trained.held_out_figures)
    assert figures["Reviewed faces"].startswith("8: 4 fitted, 4 held out to measure on")

    html = staff_client.get(f"/admin/classifier/modelversion/{trained.pk}/change/").content.decode()
    body = staff_client.get(f"/api/models/{trained.version}/").json()

    for what, shown in trained.held_out_figures:
        assert f"<th>{what}</th><td>{shown}</td>".replace("'", "&#x27;") in html
    assert trained.held_out_det_curve.url in html
    assert "DET curve of " + trained.version + " on held-out reviewed faces" in html
    assert body["held_out_figures"] == [list(row) for row in trained.held_out_figures]
    assert body["held_out_det_curve"].endswith(trained.held_out_det_curve.url)
    assert body["metrics"]["held_out"]["held_out_faces"] == 4
    assert staff_client.get(trained.held_out_det_curve.url).status_code == 200


def test_the_models_page_shows_the_held_out_report_and_the_charts(trained, staff_client):
    trained.record_dev_report(DEV_REPORT, PNG)
    trained.activate()
    ModelVersion.objects.exclude(pk=trained.pk).update(status="failed")  # nothing to compare

    html = staff_client.get("/models/").content.decode()

    for what, shown in trained.held_out_figures:
        assert f"<dt>{what}</dt><dd>{shown}</dd>".replace("'", "&#x27;") in html
    assert "<dt>Sure line</dt><dd>false accepts 1.0%, false rejects 20.0%</dd>" in html
    for chart, caption in (
        (trained.held_out_det_curve, f"DET curve of {trained.version} on held-out reviewed faces"),
        (trained.dev_det_curve, f"DET curve of {trained.version} on the dev set"),
    ):
        assert f'<img src="{chart.url}" alt="{caption}"' in html
        assert staff_client.get(chart.url).status_code == 200


def test_with_nothing_held_out_the_page_says_n_a_and_shows_no_curve(
    staff_client, model_version, settings, tmp_path
):
    from ml.held_out import measure
    from ml.recognizer import Lines, Recognizer

    recognizer = Recognizer(
        [LEBRON, NADAL],
        np.eye(2, 128, dtype=np.float32),
        dict.fromkeys([LEBRON, NADAL], Lines(0.8, 0.6)),
    )
    held_out = measure(recognizer, [], [], {LEBRON: 30}, {})
    model_version.manifest = {
        **model_version.manifest,
        "metrics": {"held_out": held_out.to_dict()},
    }
    model_version.save()

    html = staff_client.get(f"/admin/classifier/modelversion/{model_version.pk}/change/").content
    body = staff_client.get(f"/api/models/{model_version.version}/").json()

    assert b"n/a, 0 held-out faces" in html
    assert b"DET curve of v1 on held-out reviewed faces" not in html
    figures = dict(body["held_out_figures"])
    assert figures["Held-out recall"] == "n/a, 0 held-out faces"
    assert body["held_out_det_curve"] is None


def test_a_version_trained_before_faces_were_held_out_says_it_was_not_measured(
    staff_client, model_version
):
    body = staff_client.get(f"/api/models/{model_version.version}/").json()

    assert body["held_out_figures"] == [
        ["Held-out reviewed faces", "Not measured: trained before reviewed faces were held "
         "out. Train a new version to measure it."]
    ]  # fmt: skip
