"""/models/: train a new version and follow it, compare it, activate it, roll back."""

from classifier.models import ModelVersion
from classifier.models.versions import ONE_TRAINING
from tests.web.conftest import stored_manifest


def ready(version: str) -> ModelVersion:
    return ModelVersion.objects.create(
        version=version,
        path=version,
        manifest={**stored_manifest(version, ["lebron_james", "rafael_nadal"],
                                    {"accuracy_mean": 0.95}),
                  "training_counts": {"lebron_james": 30, "rafael_nadal": 28}},
    )  # fmt: skip


def test_train_starts_a_version_the_page_follows(
    staff_client, model_version, sent_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post("/models/train/")

    assert response.status_code == 302
    training = ModelVersion.objects.get(status=ModelVersion.Status.TRAINING)
    assert sent_tasks == [training.version]
    training.set_progress(40)
    page = staff_client.get("/models/").content.decode()
    assert '<meta http-equiv="refresh"' in page
    assert 'value="40"' in page
    assert "Train a new model</button>" in page and "disabled" in page


def test_a_second_training_is_refused_and_the_page_says_who_started_the_first(
    staff_client, staff, model_version, sent_tasks
):
    assert staff_client.post("/models/train/").status_code == 302

    response = staff_client.post("/models/train/")

    assert response.status_code == 409
    page = response.content.decode()
    assert ONE_TRAINING in page
    assert f"Started by {staff.username}" in page
    assert ModelVersion.objects.filter(status=ModelVersion.Status.TRAINING).count() == 1


def test_a_ready_version_shows_its_figures_and_its_comparison(staff_client, model_version):
    ready("v2")

    page = staff_client.get("/models/").content.decode()

    assert "LeBron James (30 photos), Rafael Nadal (28 photos)" in page
    assert "95.0%" in page
    assert "Against the active version v1 on the last 0 reviewed faces" in page
    assert "Activate v2" in page
    assert "Activate v1" not in page  # already active


def test_a_version_without_a_report_or_charts_says_so(staff_client, model_version):
    page = staff_client.get("/models/").content.decode()

    assert "Quality of v1: held-out report</summary>" in page
    assert "Not measured: trained before reviewed faces were held out." in page
    assert "Not evaluated on a dev set: <code>manage.py evaluate_model v1 --dev DIR</code>" in page
    assert "<img" not in page


def test_activate_then_roll_back_one_click_each(staff_client, model_version):
    model_version.activate()
    newer = ready("v2")

    assert staff_client.post("/models/v2/activate/").status_code == 302
    assert ModelVersion.objects.active() == newer
    assert "Roll back to v1" in staff_client.get("/models/").content.decode()

    assert staff_client.post("/models/rollback/").status_code == 302
    assert ModelVersion.objects.active() == model_version


def test_a_version_in_training_cannot_be_activated(staff_client, model_version):
    ModelVersion.objects.create(version="v3", status=ModelVersion.Status.TRAINING, progress=5)

    response = staff_client.post("/models/v3/activate/", follow=True)

    assert "v3 is training: it cannot serve." in response.content.decode()
    assert ModelVersion.objects.active() == model_version


def test_activating_needs_its_permission(client, django_user_model, model_version):
    viewer = django_user_model.objects.create_user("viewer")
    viewer.user_permissions.add(*permissions("view_modelversion"))
    client.force_login(viewer)
    ready("v2")

    assert client.get("/models/").status_code == 200
    assert client.post("/models/v2/activate/").status_code == 403
    assert client.post("/models/train/").status_code == 403
    assert ModelVersion.objects.active() == model_version
    assert ModelVersion.objects.count() == 2


def permissions(*codenames: str):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(codename__in=codenames)
