"""The predictor serving the model trained on the 60 sample photos: athletes by name,
anybody else `unknown`, and nothing at all `no_face`."""

from __future__ import annotations

import json

import numpy as np
import pytest
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
    assert not result.needs_review
    (face,) = result.faces
    assert (face.label, face.candidate, face.needs_review) == (athlete, athlete, False)
    assert face.score >= predictor.recognizer.lines[athlete].sure
    assert result.score == face.score
    assert result.faces_found == 1 and not result.faces_capped
    assert_inside(face.box, image)


def test_an_athlete_off_the_roster_is_not_named_and_the_face_says_why(predictor, photo):
    result = predictor.predict(photo("nadal(3).jpg"), allowed={"lebron_james"})

    (face,) = result.faces
    assert (result.label, face.label, face.candidate) == (UNKNOWN, UNKNOWN, "lebron_james")
    assert face.off_roster == "rafael_nadal"


def test_a_face_on_the_roster_or_without_one_has_nobody_left_out(predictor, photo):
    on_roster = predictor.predict(photo("nadal(3).jpg"), allowed={"rafael_nadal"})
    anyone = predictor.predict(photo("nadal(3).jpg"))

    assert [face.off_roster for face in on_roster.faces + anyone.faces] == ["", ""]


def test_someone_else_is_unknown_but_still_has_a_candidate(predictor, stranger):
    result = predictor.predict(stranger)

    assert result.label == UNKNOWN
    (face,) = result.faces
    assert face.label == UNKNOWN
    assert face.candidate in LABELS
    assert face.score < predictor.recognizer.lines[face.candidate].sure
    assert_inside(face.box, stranger)


def test_a_photo_without_a_face_is_no_face(predictor):
    result = predictor.predict(blank())

    assert result.label == NO_FACE
    assert result.faces == []


def test_in_a_crowd_photo_nobody_else_is_named_or_takes_the_athletes_place(predictor, photo):
    result = predictor.predict(photo("nadal(19).jpg"))

    assert len(result.faces) >= 5
    assert result.label in ("rafael_nadal", UNKNOWN)  # his own face here is a hard one
    assert result.faces[0].candidate == "rafael_nadal", "the athlete is the largest face"
    assert {face.label for face in result.faces[1:]} == {UNKNOWN}
    assert not any(face.needs_review for face in result.faces[1:])


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
            assert a.score == pytest.approx(b.score, abs=1e-3)


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
    assert (data["label"], data["score"]) == (result.label, result.score)
    assert (data["faces_found"], data["faces_capped"]) == (len(result.faces), False)
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


def test_it_gives_each_face_its_embedding_in_the_result_order(predictor, photo):
    result, embeddings = predictor.analyse(photo("nadal(22).jpg"))

    assert embeddings.shape == (len(result.faces), 128)
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-4)
    scores = predictor.recognizer.scores(embeddings)
    for face, row in zip(result.faces, scores, strict=True):
        column = predictor.recognizer.labels.index(face.candidate)
        assert round(float(row[column]), 4) == pytest.approx(face.score, abs=1e-4)
