"""In Chromium: a crowded group photo stays readable. Every face has a number, no two numbers
overlap, faces are numbered left to right, a face and its table row light up together, unknown
faces are drawn lighter, and the photo zooms to full size with every box still on its face."""

import io
import itertools

import pytest
from PIL import Image

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1400, 700


def bench_faces() -> list[dict]:
    """22 faces on two benches, almost touching: 11 per row, 28 px wide, 30 px apart."""
    faces = []
    for row, column in itertools.product(range(2), range(11)):
        number = row * 11 + column
        label = ["rafael_nadal", "lebron_james"][number] if number < 2 else "unknown"
        faces.append({
            "box": [500 + column * 30, 300 + row * 40, 28, 28],
            "label": label,
            "candidate": "rafael_nadal",
            "score": 0.9 if number < 2 else 0.5,
            "needs_review": number in (2, 3),
        })  # fmt: skip
    return faces


@pytest.fixture
def bench(make_prediction, media_root):
    prediction = make_prediction(
        original_name="bench.jpg", width=WIDTH, height=HEIGHT, faces=bench_faces(), label="unknown"
    )
    buffer = io.BytesIO()
    Image.new("RGB", (WIDTH, HEIGHT), (120, 140, 160)).save(buffer, "JPEG")
    (media_root / prediction.image.name).parent.mkdir(parents=True, exist_ok=True)
    (media_root / prediction.image.name).write_bytes(buffer.getvalue())
    return prediction


def intersect(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def test_a_22_face_photo_shows_every_number_and_none_overlap(page, live_server, bench):
    page.goto(f"{live_server.url}/predictions/{bench.pk}/")
    page.wait_for_selector("[data-face-map][data-placed=true]")

    labels = [label.bounding_box() for label in page.locator(".face-number").all()]
    photo = page.locator(".face-map img").bounding_box()
    assert len(labels) == 22
    clashes = [(i + 1, j + 1) for (i, a), (j, b) in itertools.combinations(enumerate(labels), 2)
               if intersect(a, b)]  # fmt: skip
    assert clashes == []
    for label in labels:
        assert (
            photo["x"] <= label["x"] and label["x"] + label["width"] <= photo["x"] + photo["width"]
        )
        assert (
            photo["y"] <= label["y"]
            and label["y"] + label["height"] <= photo["y"] + photo["height"]
        )
    assert page.locator("table.faces tbody tr").count() == 22


def test_a_face_and_its_row_light_up_together(page, live_server, bench):
    page.goto(f"{live_server.url}/predictions/{bench.pk}/")
    page.wait_for_selector("[data-face-map][data-placed=true]")

    page.hover('.face-number[data-face="5"]')
    assert "is-active" in page.get_attribute("tr#face-5", "class")
    assert "is-active" in page.get_attribute('.face-box[data-face="5"]', "class")

    page.mouse.move(0, 0)
    page.focus("tr#face-7")
    assert "is-active" in page.get_attribute('.face-box[data-face="7"]', "class")
    assert "is-active" not in (page.get_attribute("tr#face-5", "class") or "")

    page.focus('.face-box[data-face="1"]')
    assert "is-active" in page.get_attribute("tr#face-1", "class")


def test_unknown_faces_are_drawn_lighter_and_kinds_differ_by_line_not_only_colour(
    page,
    live_server,
    bench,
):
    page.goto(f"{live_server.url}/predictions/{bench.pk}/")

    def border(face: int) -> tuple[str, str, str]:
        return page.eval_on_selector(
            f'.face-box[data-face="{face}"]',
            "e => { const s = getComputedStyle(e);"
            " return [s.borderTopWidth, s.borderTopStyle, s.borderTopColor]; }",
        )

    # Numbered left to right: faces 1 and 2 are the first column, 5 the third's front row.
    named, review, unknown = border(1), border(5), border(10)
    assert (named[0], named[1]) == ("2px", "solid")
    assert (review[0], review[1]) == ("2px", "dashed")
    assert (unknown[0], unknown[1]) == ("1px", "dotted")
    assert len({named[2], review[2], unknown[2]}) == 3


def test_the_photo_opens_full_size_and_zooms(page, live_server, bench):
    page.goto(f"{live_server.url}/predictions/{bench.pk}/")
    page.wait_for_selector("[data-face-map][data-placed=true]")
    assert page.get_attribute("text=Open full size", "href") == bench.image.url
    assert page.locator(".face-map img").bounding_box()["width"] < WIDTH

    page.click("[data-zoom]")

    assert page.locator(".face-map img").bounding_box()["width"] == WIDTH
    assert page.get_attribute("[data-zoom]", "aria-pressed") == "true"


def box_on_photo(page, face: int) -> tuple[float, float, float, float]:
    """Where a face's box sits on the photo as shown, in the photo's own pixels."""
    image = page.locator(".face-map img").bounding_box()
    box = page.locator(f'.face-box[data-face="{face}"]').bounding_box()
    scale = WIDTH / image["width"]
    return (
        (box["x"] - image["x"]) * scale,
        (box["y"] - image["y"]) * scale,
        box["width"] * scale,
        box["height"] * scale,
    )


def test_the_boxes_stay_on_their_faces_fitted_and_at_full_size(page, live_server, bench):
    page.goto(f"{live_server.url}/predictions/{bench.pk}/")
    page.wait_for_selector("[data-face-map][data-placed=true]")
    faces = {1: (500, 300), 2: (500, 340), 22: (800, 340)}  # left to right, front row second

    def placed() -> dict:
        return {face: box_on_photo(page, face) for face in faces}

    fitted = placed()
    page.click("[data-zoom]")
    page.locator(".face-map").evaluate("(map) => { map.scrollLeft = 400; map.scrollTop = 200; }")
    full = placed()

    assert page.locator(".face-map img").bounding_box()["width"] == WIDTH
    for face, (x, y) in faces.items():
        for shown in (fitted[face], full[face]):
            assert abs(shown[0] - x) <= 2 and abs(shown[1] - y) <= 2, (face, shown)
            assert abs(shown[2] - 28) <= 2 and abs(shown[3] - 28) <= 2, (face, shown)
