"""The history at hundreds of photos: its count, its sorts, and its export as CSV (one row per
face) or JSON, of the filtered list only and of the visitor's own photos only."""

import csv
import io

import pytest

FACE = {
    "box": [4, 5, 20, 21], "label": "rafael_nadal", "candidate": "rafael_nadal", "score": 0.91,
    "needs_review": False, "detection_confidence": 0.99,
}  # fmt: skip
DOUBT = {**FACE, "box": [40, 5, 20, 21], "label": "unknown", "score": 0.55, "needs_review": True}


@pytest.fixture
def photos(make_prediction, staff):
    sure = make_prediction(original_name="sure.jpg", confidence=0.91, faces=[FACE, DOUBT])
    unsure = make_prediction(original_name="unsure.jpg", label="unknown", confidence=0.55)
    reviewed = make_prediction(original_name="reviewed.jpg", confidence=0.4)
    empty = make_prediction(original_name="empty.jpg", label="no_face", confidence=None, faces=[])
    reviewed.faces.get().record_review(staff, "confirm")
    return sure, unsure, reviewed, empty


def listed(response) -> list[str]:
    return [p.original_name for p in response.context["page"].object_list]


def test_it_shows_the_total_count(staff_client, photos):
    response = staff_client.get("/predictions/")

    assert response.status_code == 200
    assert "4 photos" in response.content.decode()


@pytest.mark.db_engine  # ordering with nulls last and Exists()
@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("confidence", ["sure.jpg", "unsure.jpg", "reviewed.jpg", "empty.jpg"]),
        ("review", ["sure.jpg", "reviewed.jpg", "unsure.jpg", "empty.jpg"]),
        ("newest", ["empty.jpg", "reviewed.jpg", "unsure.jpg", "sure.jpg"]),
    ],
)
def test_it_sorts(staff_client, photos, sort, expected):
    page = staff_client.get("/predictions/", {"sort": sort})
    api = staff_client.get("/api/predictions/", {"sort": sort})

    assert page.status_code == api.status_code == 200
    assert listed(page) == expected
    assert [item["original_name"] for item in api.json()["results"]] == expected


@pytest.mark.db_engine  # a text search and faces in order
def test_it_exports_the_filtered_list_as_csv_one_row_per_face(staff_client, photos):
    response = staff_client.get("/predictions/export.csv", {"label": "rafael_nadal", "q": "sure"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(row["original_name"], row["face"], row["face_label"]) for row in rows] == [
        ("sure.jpg", "1", "rafael_nadal"),
        ("sure.jpg", "2", "unknown"),
    ]
    assert rows[1]["face_needs_review"] == "True" and rows[1]["box"] == "40 5 20 21"


@pytest.mark.db_engine  # ordering with nulls last
def test_it_exports_json_with_faces_and_review(staff_client, photos):
    response = staff_client.get("/predictions/export.json", {"sort": "confidence"})

    assert response.status_code == 200
    body = response.json()
    assert [item["original_name"] for item in body] == [
        "sure.jpg", "unsure.jpg", "reviewed.jpg", "empty.jpg"
    ]  # fmt: skip
    assert len(body[0]["faces"]) == 2 and body[0]["faces"][1]["needs_review"] is True


def test_it_exports_only_the_visitors_own_photos(client, photos):
    response = client.get("/predictions/export.csv")

    assert response.status_code == 200
    assert response.content.decode().splitlines()[1:] == []


def test_an_unknown_format_is_not_found(staff_client, photos):
    assert staff_client.get("/predictions/export.xml").status_code == 404


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"])
def test_the_csv_never_starts_a_cell_with_a_formula(staff_client, make_prediction, name):
    make_prediction(original_name=name, faces=[FACE])

    response = staff_client.get("/predictions/export.csv")

    (row,) = csv.DictReader(io.StringIO(response.content.decode()))
    assert row["original_name"] == f"'{name}"
    assert row["face_score"] == "0.91"
