"""The model version's admin page shows the dev-set figures and the DET curve when its
artifact's folder has them (python -m ml evaluate --dev DIR --out <folder>)."""

import base64
import json

import pytest

from ml.artifact import DET_PLOT, DEV_REPORT
from tests.web.conftest import jpeg_bytes

REPORT = {
    "others": {"photos": 110, "faces": 120, "faces_named": 0, "photos_named": [],
               "photos_flagged": ["others/a.jpg", "others/b.jpg"]},
    "athletes": {"lebron_james": {"photos": 13, "named_correctly": 12, "flagged": 1,
                                  "unknown": 0, "named_wrongly": [], "no_face": []}},
    "groups": [{"path": "groups/allstars.jpg", "faces": 6, "named": [["lebron_james", 0.81]],
                "flagged": [], "note": ""}],
    "operating_points": {"sure": {"lines": {}, "false_accept": 0.0, "false_reject": 0.077}},
}  # fmt: skip


@pytest.fixture
def version_page(staff_client, model_version, settings, tmp_path):
    settings.ATHLETES_MODELS_DIR = tmp_path
    (tmp_path / model_version.path).mkdir()
    return (
        tmp_path / model_version.path,
        f"/admin/classifier/modelversion/{model_version.pk}/change/",
    )


def test_it_shows_the_dev_figures_and_the_det_curve(staff_client, version_page):
    folder, url = version_page
    (folder / DEV_REPORT).write_text(json.dumps(REPORT))
    plot = jpeg_bytes()  # any image: the page embeds the file's bytes
    (folder / DET_PLOT).write_bytes(plot)

    response = staff_client.get(url)

    html = response.content.decode()
    assert response.status_code == 200
    assert "0 of 120 faces named as an athlete; 2 of 110 photos flagged for review" in html
    assert "12/13 named surely and correctly, 1 flagged, 0 unknown, 0 named wrongly" in html
    assert "groups/allstars.jpg" in html and "6 faces, named lebron_james" in html
    assert "false accepts 0.0%, false rejects 7.7%" in html
    assert base64.b64encode(plot).decode() in html


def test_without_an_evaluation_it_says_how_to_make_one(staff_client, version_page):
    folder, url = version_page
    (folder / DEV_REPORT).write_text("{not json")

    html = staff_client.get(url).content.decode()

    assert "Not evaluated: run python -m ml evaluate --dev DIR" in html
    assert "data:image/png" not in html
