"""Face detection on real photos: every face, in the original photo's pixels, largest first."""

from __future__ import annotations

import pytest
from PIL import Image

from ml.embedder import INPUT_SIZE

# Centres of the five sharp faces in nadal(19).jpg, checked by eye: Nadal's first, then
# four spectators in the stands behind him.
NADAL_19_FACES = [(741, 105), (89, 130), (140, 43), (544, 105), (345, 140)]


def contains(box, point) -> bool:
    x, y, w, h = box
    return x <= point[0] <= x + w and y <= point[1] <= y + h


def assert_landmarks_inside(face) -> None:
    assert set(face.landmarks) == {"left_eye", "right_eye", "nose", "mouth_left", "mouth_right"}
    for point in face.landmarks.values():
        assert contains(face.box, point), (point, face.box)


def test_boxes_are_in_original_pixels_when_the_photo_is_downscaled(detector, photo):
    original = photo("nadal(2).jpg")  # 550×550: detected at full size
    (face,) = detector.detect(original)
    enlarged = original.resize((original.width * 3, original.height * 3), Image.Resampling.BICUBIC)

    (big_face,) = detector.detect(enlarged)  # detected at 640 px, a factor of 2.6 down

    x, y, w, h = face.box
    expected = (3 * (x + w / 2), 3 * (y + h / 2), 3 * w, 3 * h)  # centre and size
    bx, by, bw, bh = big_face.box
    found = (bx + bw / 2, by + bh / 2, bw, bh)
    tolerance = 0.05 * 3 * max(w, h)
    for got, want in zip(found, expected, strict=True):
        assert got == pytest.approx(want, abs=tolerance), (big_face.box, face.box)
    assert_landmarks_inside(face)
    assert_landmarks_inside(big_face)


def test_it_finds_the_face_that_default_settings_missed(detector, photo):
    faces = detector.detect(photo("james(16).jpg"))

    assert len(faces) == 1
    assert faces[0].confidence >= 0.9
    assert_landmarks_inside(faces[0])


def test_it_returns_every_face_of_a_crowd_largest_first(detector, photo):
    faces = detector.detect(photo("nadal(19).jpg"))

    for centre in NADAL_19_FACES:
        assert any(contains(face.box, centre) for face in faces), centre
    assert contains(faces[0].box, NADAL_19_FACES[0]), "the athlete's face is the largest"
    areas = [face.area for face in faces]
    assert areas == sorted(areas, reverse=True)
    for face in faces:
        assert face.crop.shape == (INPUT_SIZE, INPUT_SIZE, 3)
        assert face.crop.dtype == "uint8"
        assert face.confidence >= 0.9


def test_a_small_face_in_a_large_photo_is_found_by_a_second_look(detector, photo):
    # A 60-px face in a 5000-px-wide frame is 8 px at the usual 640-px detection size,
    # too small for MTCNN; the second look at 1600 px finds it.
    head = photo("nadal(3).jpg").crop((296, 51, 461, 244))  # the face with a margin
    scale = 60 / 105
    head = head.resize((round(head.width * scale), round(head.height * scale)))
    frame = Image.new("RGB", (5000, 3500), (128, 128, 128))
    frame.paste(head, (3000, 2000))
    expected_centre = (3000 + (30 + 105 / 2) * scale, 2000 + (30 + 133 / 2) * scale)

    (face,) = detector.detect(frame)

    assert contains(face.box, expected_centre)
    assert 50 <= face.box[2] <= 75
    assert_landmarks_inside(face)


def test_a_blank_image_has_no_face(detector):
    assert detector.detect(Image.new("RGB", (640, 480), (240, 240, 240))) == []


def test_candidates_in_chunks_find_what_one_batch_finds(detector, photo, monkeypatch):
    busy = photo("nadal(10).jpg")  # a crowd behind him: about a thousand RNet candidates
    monkeypatch.setattr("ml.faces.CANDIDATE_CHUNK", 100_000)
    in_one_batch = detector.detect(busy)
    monkeypatch.setattr("ml.faces.CANDIDATE_CHUNK", 7)  # many chunks, the last one short

    in_chunks = detector.detect(busy)

    assert [face.box for face in in_chunks] == [face.box for face in in_one_batch]
    for chunked, whole in zip(in_chunks, in_one_batch, strict=True):
        assert chunked.confidence == pytest.approx(whole.confidence, abs=1e-4)
