"""The predictor serving the model trained on the 60 sample photos: athletes by name,
anybody else `unknown`, and nothing at all `no_face`."""

from __future__ import annotations

import json

import numpy as np
import pytest
import skimage.data
from PIL import Image

from ml.annotate import annotate
from ml.results import NO_FACE, UNKNOWN

LABELS = ["lebron_james", "rafael_nadal"]


def blank() -> Image.Image:
    return Image.new("RGB", (640, 480), (240, 240, 240))


def assert_inside(box, image: Image.Image) -> None:
    x, y, w, h = box
    assert w > 0 and h > 0
    assert x >= 0 and x + w <= image.width
    assert y >= 0 and y + h <= image.height


@pytest.mark.parametrize(
    ("name", "athlete"), [("nadal(3).jpg", "rafael_nadal"), ("james(5).jpg", "lebron_james")]
)
def test_it_names_the_athlete_in_a_known_photo(predictor, photo, name, athlete):
    image = photo(name)

    result = predictor.predict(image)

    assert result.label == athlete
    assert 0.9 <= result.confidence <= 1.0
    (face,) = result.faces
    assert face.label == athlete
    assert face.distance <= predictor.recognizer.threshold
    assert_inside(face.box, image)
    assert sorted(face.probabilities) == LABELS
    assert sum(face.probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    assert max(face.probabilities, key=face.probabilities.get) == athlete
    assert result.probabilities == face.probabilities


def test_someone_else_is_unknown(predictor):
    astronaut = Image.fromarray(skimage.data.astronaut())  # Eileen Collins, NASA

    result = predictor.predict(astronaut)

    assert result.label == UNKNOWN
    (face,) = result.faces
    assert face.label == UNKNOWN
    assert face.distance > predictor.recognizer.threshold
    assert_inside(face.box, astronaut)
    assert sum(face.probabilities.values()) == pytest.approx(1.0, abs=1e-3)


def test_a_photo_without_a_face_is_no_face(predictor):
    result = predictor.predict(blank())

    assert result.label == NO_FACE
    assert result.faces == []


def test_a_crowd_photo_names_the_athlete_and_nobody_else(predictor, photo):
    result = predictor.predict(photo("nadal(19).jpg"))

    assert result.label == "rafael_nadal"
    assert len(result.faces) >= 5
    labels = [face.label for face in result.faces]
    assert labels.count("rafael_nadal") == 1
    assert labels[0] == "rafael_nadal", "the athlete is the largest face"
    assert set(labels[1:]) == {UNKNOWN}


def test_a_batch_gives_the_same_answers_as_one_photo_at_a_time(predictor, photo):
    images = [photo("nadal(3).jpg"), blank(), photo("nadal(22).jpg"), photo("james(5).jpg")]

    batch = predictor.predict_batch(images)
    alone = [predictor.predict(image) for image in images]

    assert [r.label for r in batch] == ["rafael_nadal", NO_FACE, "rafael_nadal", "lebron_james"]
    assert [r.label for r in batch] == [r.label for r in alone]
    for together, single in zip(batch, alone, strict=True):
        assert [f.box for f in together.faces] == [f.box for f in single.faces]
        assert [f.label for f in together.faces] == [f.label for f in single.faces]
        for a, b in zip(together.faces, single.faces, strict=True):
            assert a.confidence == pytest.approx(b.confidence, abs=1e-3)


def test_an_empty_batch_gives_no_results(predictor):
    assert predictor.predict_batch([]) == []


def test_it_times_each_stage(predictor, photo):
    timings = predictor.predict(photo("james(5).jpg")).timings

    for stage in ("detect_ms", "embed_ms", "classify_ms"):
        assert timings[stage] > 0
    assert timings["total_ms"] == pytest.approx(
        timings["detect_ms"] + timings["embed_ms"] + timings["classify_ms"], abs=0.2
    )


def test_the_result_survives_a_round_trip_through_json(predictor, photo):
    result = predictor.predict(photo("nadal(22).jpg"))

    data = result.to_dict()

    assert json.loads(json.dumps(data)) == data
    assert (data["label"], data["confidence"]) == (result.label, result.confidence)
    assert data["faces"] == [face.to_dict() for face in result.faces]
    assert isinstance(data["faces"][0]["box"], list)


def test_the_annotated_photo_marks_the_face_and_leaves_the_rest(predictor, photo):
    image = photo("nadal(3).jpg")
    before = np.asarray(image).copy()
    result = predictor.predict(image)

    annotated = annotate(image, result, predictor.display_names)

    assert annotated.size == image.size
    assert annotated.mode == "RGB"
    np.testing.assert_array_equal(np.asarray(image), before)  # the input is untouched
    x, y, w, h = result.faces[0].box
    drawn = np.asarray(annotated).astype(int)
    changed = np.abs(drawn - before).sum(axis=2) > 0
    assert changed[y : y + h, x : x + w].any()
    assert changed[y : y + h, x : x + w].mean() < 0.5, "the face stays visible"
    assert not changed[y + h + 10 :, :].any(), "nothing is drawn below the face"
