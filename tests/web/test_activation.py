"""One model version is active; activating another takes effect on the worker's next task."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from classifier.models import ModelVersion, Prediction
from classifier.tasks import run_prediction


@pytest.fixture
def second_version(model_version) -> ModelVersion:
    return ModelVersion.objects.create(version="v2", path="v2", manifest=model_version.manifest)


@pytest.mark.db_engine  # the partial unique constraint, in a row-locked transaction
def test_activate_makes_it_the_only_active_version(model_version, second_version):
    second_version.activate()

    model_version.refresh_from_db()
    second_version.refresh_from_db()
    assert second_version.is_active
    assert not model_version.is_active
    assert ModelVersion.objects.active() == second_version


@pytest.mark.db_engine  # the partial unique constraint
def test_the_database_refuses_two_active_versions(model_version, second_version):
    with pytest.raises(IntegrityError), transaction.atomic():
        ModelVersion.objects.filter(pk=second_version.pk).update(is_active=True)


def test_the_command_activates_a_version(second_version):
    call_command("activate_model", "v2")

    assert ModelVersion.objects.active() == second_version


def test_the_command_names_the_known_versions_when_the_version_is_unknown(model_version):
    with pytest.raises(CommandError, match="Known: v1"):
        call_command("activate_model", "v9")


def test_the_admin_action_activates_exactly_one_version(
    staff_client, model_version, second_version
):
    url = "/admin/classifier/modelversion/"

    response = staff_client.post(
        url, {"action": "activate", "_selected_action": [second_version.pk]}, follow=True
    )

    assert "Version v2 is now active." in response.content.decode()
    assert ModelVersion.objects.active() == second_version
    both = [model_version.pk, second_version.pk]
    response = staff_client.post(url, {"action": "activate", "_selected_action": both}, follow=True)
    assert "Select exactly one version" in response.content.decode()
    assert ModelVersion.objects.active() == second_version


@pytest.mark.parametrize("status", ["failed", "training"])
def test_no_door_activates_a_version_that_cannot_serve(
    staff_client, model_version, second_version, status
):
    """The admin, the page, the API and the command refuse alike: a failed version activated
    would fail every photo."""
    ModelVersion.objects.filter(pk=second_version.pk).update(status=status)
    refusal = f"Version v2 is {status}: it cannot serve."

    admin = staff_client.post(
        "/admin/classifier/modelversion/",
        {"action": "activate", "_selected_action": [second_version.pk]},
        follow=True,
    )
    page = staff_client.post("/models/v2/activate/", follow=True)
    api = staff_client.post("/api/models/v2/activate/")
    with pytest.raises(CommandError, match=refusal):
        call_command("activate_model", "v2")

    assert refusal in admin.content.decode()
    assert "is now active" not in admin.content.decode()
    assert refusal in page.content.decode()
    assert (api.status_code, api.json()["detail"]) == (409, refusal)
    assert ModelVersion.objects.active() == model_version


def test_the_admin_shows_metrics_and_the_confusion_matrix(staff_client, model_version):
    model_version.confusion_matrix = "models/v1-confusion.png"
    model_version.save()

    response = staff_client.get(f"/admin/classifier/modelversion/{model_version.pk}/change/")

    html = response.content.decode()
    assert "accuracy_mean" in html
    assert "/media/models/v1-confusion.png" in html


def test_the_worker_uses_the_new_version_on_its_next_task(
    make_prediction, second_version, fake_predictor, media_photo
):
    first = make_prediction(status="queued", label="", image=media_photo, annotated="")
    run_prediction.apply(args=[str(first.pk)])
    second_version.activate()
    second = make_prediction(status="queued", label="", image=media_photo, annotated="")

    run_prediction.apply(args=[str(second.pk)])

    first.refresh_from_db()
    second.refresh_from_db()
    assert fake_predictor.loaded_versions == ["v1", "v2"]
    assert first.model_version.version == "v1"
    assert second.model_version.version == "v2"
    assert second.status == Prediction.Status.DONE
