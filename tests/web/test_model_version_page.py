"""The model version's admin page shows the dev-set figures and the DET curve once the version
was evaluated (manage.py evaluate_model, or a dev report in the folder it was registered from)."""

from ml.dev_report import DevReport
from tests.web.conftest import jpeg_bytes

REPORT = {
    "others": {"photos": 110, "faces": 120, "faces_named": 0, "photos_named": [],
               "photos_flagged": ["others/a.jpg", "others/b.jpg"]},
    "athletes": {"lebron_james": {"photos": 13, "named_correctly": 12, "flagged": 1,
                                  "unknown": 0, "named_wrongly": [], "no_face": []}},
    "groups": [{"path": "groups/allstars.jpg", "label": "lebron_james", "needs_review": False,
                "faces": 6, "named": [["lebron_james", 0.81]], "flagged": [], "note": ""}],
    "scores": {"genuine": [["lebron_james", 0.9, 0.9]], "impostor": []},
    "operating_points": {"sure": {"lines": {"lebron_james": 0.7}, "false_accept": 0.0,
                                  "false_reject": 0.077}},
}  # fmt: skip


def admin_page(model_version) -> str:
    return f"/admin/classifier/modelversion/{model_version.pk}/change/"


def test_it_shows_the_dev_figures_and_the_det_curve(staff_client, model_version):
    # any image: the page links the file
    model_version.record_dev_report(DevReport.from_dict(REPORT), jpeg_bytes())

    response = staff_client.get(admin_page(model_version))

    html = response.content.decode()
    assert response.status_code == 200
    model_version.refresh_from_db()
    assert model_version.dev_report == REPORT  # stored in the shape it always had
    assert "0 of 120 faces named as an athlete; 2 of 110 photos flagged for review" in html
    assert "12/13 named surely and correctly, 1 flagged, 0 unknown, 0 named wrongly" in html
    assert "groups/allstars.jpg" in html and "6 faces, named lebron_james" in html
    assert "false accepts 0.0%, false rejects 7.7%" in html
    assert f'src="{model_version.dev_det_curve.url}"' in html


def test_without_an_evaluation_it_says_how_to_make_one(staff_client, model_version):
    html = staff_client.get(admin_page(model_version)).content.decode()

    assert "Not evaluated: run manage.py evaluate_model v1 --dev DIR." in html
    assert "dev-det" not in html
