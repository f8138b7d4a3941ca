"""Face detection on real photos: every face, in the original photo's pixels, largest first.

The detector is BlazeFace through our own decoder; MTCNN, kept for comparison, is checked
where it has code of its own (candidates in chunks).
"""

from __future__ import annotations

import numpy as np
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
    left, right = face.eyes
    assert left[0] < right[0], "the first eye is the one on the photo's left"
    for point in face.eyes:
        assert contains(face.box, point), (point, face.box)


def test_boxes_are_in_original_pixels_when_the_photo_is_downscaled(detector, photo):
    original = photo("nadal(2).jpg")  # 550×550: detected at full size
    (face,) = detector.detect(original).faces
    enlarged = original.resize((original.width * 3, original.height * 3), Image.Resampling.BICUBIC)

    (big_face,) = detector.detect(enlarged).faces  # detected at 1024 px, 1.6 times smaller

    x, y, w, h = face.box
    expected = (3 * (x + w / 2), 3 * (y + h / 2), 3 * w, 3 * h)  # centre and size
    bx, by, bw, bh = big_face.box
    found = (bx + bw / 2, by + bh / 2, bw, bh)
    tolerance = 0.05 * 3 * max(w, h)
    for got, want in zip(found, expected, strict=True):
        assert got == pytest.approx(want, abs=tolerance), (big_face.box, face.box)
    assert_landmarks_inside(face)
    assert_landmarks_inside(big_face)


def test_it_finds_the_face_that_mtcnn_default_settings_missed(detector, photo):
    faces = detector.detect(photo("james(16).jpg")).faces

    assert len(faces) == 1
    assert faces[0].confidence >= 0.5
    assert_landmarks_inside(faces[0])


def test_it_returns_every_face_of_a_crowd_largest_first(detector, photo):
    detected = detector.detect(photo("nadal(19).jpg"))
    faces = detected.faces

    for centre in NADAL_19_FACES:
        assert any(contains(face.box, centre) for face in faces), centre
    assert contains(faces[0].box, NADAL_19_FACES[0]), "the athlete's face is the largest"
    areas = [face.area for face in faces]
    assert areas == sorted(areas, reverse=True)
    for face in faces:
        assert face.crop.shape == (INPUT_SIZE, INPUT_SIZE, 3)
        assert face.crop.dtype == "uint8"
        assert face.confidence >= 0.5
    assert detected.found == len(faces) and not detected.capped


def test_a_small_face_in_a_large_photo_is_found_by_a_second_look(detector, photo):
    # A 60-px face in a 5000-px-wide frame is 12 px at the usual 1024-px detection size,
    # too small to find; the second, tiled look at 1600 px finds it.
    head = photo("nadal(3).jpg").crop((296, 51, 461, 244))  # the face with a margin
    scale = 60 / 105
    head = head.resize((round(head.width * scale), round(head.height * scale)))
    frame = Image.new("RGB", (5000, 3500), (128, 128, 128))
    frame.paste(head, (3000, 2000))
    expected_centre = (3000 + (30 + 105 / 2) * scale, 2000 + (30 + 133 / 2) * scale)

    (face,) = detector.detect(frame).faces

    assert contains(face.box, expected_centre)
    assert 50 <= face.box[2] <= 75
    assert_landmarks_inside(face)


def test_a_blank_image_has_no_face(detector):
    detected = detector.detect(Image.new("RGB", (640, 480), (240, 240, 240)))

    assert detected.faces == [] and detected.found == 0


def test_faces_beyond_the_cap_are_counted_but_not_kept(detector, photo):
    crowd = photo("nadal(19).jpg")
    everyone = detector.detect(crowd)

    capped = detector.detect(crowd, limit=2)

    assert everyone.found > 2
    assert capped.found == everyone.found and capped.capped
    assert [face.box for face in capped.faces] == [face.box for face in everyone.faces[:2]]


def test_the_decoder_puts_a_real_face_where_it_is(photo):
    """Our anchor decoder and weighted NMS on the raw network output of a real photo."""
    from ml.blazeface import BlazeFace, anchors, decode, weighted_nms

    image = photo("nadal(3).jpg")  # 700×415; his face by eye: x 326–432, y 77–213
    blazeface = BlazeFace()
    view_side = max(image.size)
    rows, scores = blazeface._candidates(_view(image))

    assert anchors().shape == (896, 2) and rows.shape == (896, 16)
    (best,) = [row for row, score in weighted_nms(rows[scores > 0.5], scores[scores > 0.5])]
    x0, y0, x1, y1 = (value * view_side for value in best[:4])
    assert contains((326, 77, 106, 136), ((x0 + x1) / 2, (y0 + y1) / 2))
    assert 80 <= x1 - x0 <= 140
    right_eye, left_eye = best[4:6] * view_side, best[6:8] * view_side
    assert right_eye[0] < left_eye[0]  # the person's right eye is on the photo's left
    assert y0 < right_eye[1] < (y0 + y1) / 2
    assert decode(np.zeros((896, 16)), np.full((896, 1), -100.0), anchors())[1].max() < 1e-30


def _view(image):
    from ml.blazeface import _square_view

    return _square_view(image, 0, 0, max(image.size))


def test_mtcnn_candidates_in_chunks_find_what_one_batch_finds(photo, monkeypatch):
    from ml.faces import FaceDetector

    mtcnn = FaceDetector("mtcnn")
    busy = photo("nadal(10).jpg")  # a crowd behind him: about a thousand RNet candidates
    monkeypatch.setattr("ml.mtcnn_finder.CANDIDATE_CHUNK", 100_000)
    in_one_batch = mtcnn.detect(busy).faces
    monkeypatch.setattr("ml.mtcnn_finder.CANDIDATE_CHUNK", 7)  # many chunks, the last one short

    in_chunks = mtcnn.detect(busy).faces

    assert [face.box for face in in_chunks] == [face.box for face in in_one_batch]
    for chunked, whole in zip(in_chunks, in_one_batch, strict=True):
        assert chunked.confidence == pytest.approx(whole.confidence, abs=1e-4)


def test_a_tile_drops_faces_its_inner_edges_cut_but_keeps_those_at_the_photos_border():
    from ml.blazeface import _inside

    square, size = (300, 0, 400), (1000, 600)  # a tile in the top middle of the photo
    rows = np.zeros((3, 16))
    rows[:, :4] = [
        [350, 50, 420, 120],  # whole inside the tile
        [650, 50, 720, 120],  # runs past its right edge, inside the photo: cut
        [400, -5, 470, 60],  # runs past its top edge, which is the photo's: kept
    ]

    kept, scores = _inside(rows, np.array([0.9, 0.8, 0.7]), square, size)

    assert kept[:, 0].tolist() == [350, 400]
    assert scores.tolist() == [0.9, 0.7]


def test_a_face_running_past_the_photos_edge_is_boxed_inside_it(detector, photo):
    cut = photo("nadal(3).jpg").crop((370, 60, 700, 415))  # his face cut down the middle

    faces = detector.detect(cut).faces

    assert faces, "half a face is still found"
    for face in faces:
        x, y, w, h = face.box
        assert x >= 0 and y >= 0 and w > 0 and h > 0
        assert x + w <= cut.width and y + h <= cut.height
