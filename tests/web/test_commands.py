"""Management commands: import_athletes, train_model, bootstrap."""

import io
import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from classifier.models import Athlete, ModelVersion
from ml.artifact import Manifest


def test_import_athletes_creates_one_per_folder(db, tmp_path):
    for label in ("rafael_nadal", "lebron_james"):
        (tmp_path / label).mkdir()
    (tmp_path / "notes.txt").write_text("not a folder")

    call_command("import_athletes", str(tmp_path))
    call_command("import_athletes", str(tmp_path))

    assert dict(Athlete.objects.values_list("label", "display_name")) == {
        "lebron_james": "Lebron James",
        "rafael_nadal": "Rafael Nadal",
    }


def test_import_athletes_refuses_a_folder_name_that_is_not_a_label(db, tmp_path):
    (tmp_path / "Rafa Nadal").mkdir()

    with pytest.raises(CommandError, match="is not a valid label"):
        call_command("import_athletes", str(tmp_path))

    assert not Athlete.objects.exists()


def test_import_athletes_needs_a_folder(db, tmp_path):
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("import_athletes", str(tmp_path / "missing"))


@pytest.fixture
def fake_training(monkeypatch, trained_model_dir):
    """ml.training.train, answered with the session's real artifact copied into out_dir;
    returns the display names each call asked for."""
    import ml.training

    asked = []

    def train(data_dir, out_dir, *, weights, seed=0, display_names=None, reviewed=(), **more):
        asked.append(display_names)
        return shutil.copytree(trained_model_dir, out_dir / trained_model_dir.name)

    monkeypatch.setattr(ml.training, "train", train)
    return asked


def test_train_model_registers_and_activates_the_artifact(
    db, settings, tmp_path, sample_data, fake_training, trained_model_dir
):
    settings.ATHLETES_MODELS_DIR = tmp_path / "models"

    call_command("train_model", "--data", str(sample_data), "--activate")

    model_version = ModelVersion.objects.get()
    assert model_version.is_active
    assert model_version.version == trained_model_dir.name
    assert model_version.path == trained_model_dir.name
    assert model_version.model_dir == settings.ATHLETES_MODELS_DIR / trained_model_dir.name
    assert "accuracy_mean" in model_version.metrics
    assert model_version.confusion_matrix.name.endswith(".png")
    assert set(Athlete.objects.values_list("label", flat=True)) == set(model_version.labels)


def test_the_stored_manifest_reads_back_as_the_artifact_wrote_it(
    db, settings, tmp_path, sample_data, fake_training, trained_model_dir
):
    settings.ATHLETES_MODELS_DIR = tmp_path / "models"

    call_command("train_model", "--data", str(sample_data))

    model_version = ModelVersion.objects.get()
    model_version.refresh_from_db()
    assert model_version.artifact_manifest == Manifest.read(trained_model_dir)
    assert model_version.labels == ["lebron_james", "rafael_nadal"]


def test_train_model_keeps_the_names_the_admin_gave(
    db, settings, tmp_path, sample_data, fake_training
):
    settings.ATHLETES_MODELS_DIR = tmp_path / "models"
    Athlete.objects.create(label="rafael_nadal", display_name="Rafa")

    call_command("train_model", "--data", str(sample_data))

    assert fake_training == [{"rafael_nadal": "Rafa"}]
    assert Athlete.objects.get(label="rafael_nadal").display_name == "Rafa"


def test_bootstrap_trains_once_then_does_nothing(
    db, settings, tmp_path, sample_data, fake_training
):
    settings.ATHLETES_MODELS_DIR = tmp_path / "models"
    settings.ATHLETES_SAMPLE_DATA = sample_data

    first, again = io.StringIO(), io.StringIO()
    call_command("bootstrap", stdout=first)
    call_command("bootstrap", stdout=again)

    said = first.getvalue().splitlines()
    assert said[0].startswith(f"Training a first model from {sample_data}")
    assert said[1].endswith("is active. It knows LeBron James and Rafael Nadal.")
    assert "create your account with `.venv/bin/python manage.py createsuperuser`" in said[2]
    assert again.getvalue().splitlines()[0] == said[1]
    assert ModelVersion.objects.count() == 1
    assert ModelVersion.objects.active() is not None
    assert dict(Athlete.objects.values_list("label", "display_name")) == {
        "lebron_james": "LeBron James",
        "rafael_nadal": "Rafael Nadal",
    }
    assert fake_training == [Athlete.objects.display_names()]


def test_bootstrap_activates_a_registered_version_instead_of_training(model_version):
    ModelVersion.objects.update(is_active=False)

    call_command("bootstrap")

    assert ModelVersion.objects.active() == model_version


def test_bootstrap_says_what_to_do_next_only_while_it_is_to_do(model_version, staff):
    said = io.StringIO()

    call_command("bootstrap", stdout=said)

    assert said.getvalue() == (
        "Model version v1 is active. It knows LeBron James and Rafael Nadal.\n"
    )


def test_the_sqlite_index_warning_is_not_printed_by_every_command(db):
    said = io.StringIO()

    call_command("check", databases=["default"], stdout=said, stderr=said)

    assert "W040" not in said.getvalue()


def test_a_long_roster_is_shown_as_its_first_names_and_how_many_more(model_version):
    labels = [f"player_{n:03}" for n in range(300)]
    model_version.manifest = {**model_version.manifest, "labels": labels}

    knows = model_version.knows()

    assert knows.startswith("Player 000, Player 001, ")
    assert knows.endswith("Player 011 and 288 more athletes")


def test_bootstrap_refuses_a_folder_name_that_is_not_a_label(db, settings, tmp_path):
    (tmp_path / "Rafa Nadal").mkdir()
    settings.ATHLETES_SAMPLE_DATA = tmp_path

    with pytest.raises(CommandError, match="is not a valid label"):
        call_command("bootstrap")

    assert not Athlete.objects.exists()
    assert not ModelVersion.objects.exists()


def test_bootstrap_explains_missing_sample_data(db, settings, tmp_path):
    settings.ATHLETES_SAMPLE_DATA = tmp_path / "nowhere"

    with pytest.raises(CommandError, match="set ATHLETES_SAMPLE_DATA"):
        call_command("bootstrap")


def test_evaluate_model_needs_a_ready_version(model_version, tmp_path):
    ModelVersion.objects.filter(pk=model_version.pk).update(status=ModelVersion.Status.FAILED)

    with pytest.raises(CommandError, match="No ready model version 'v1'"):
        call_command("evaluate_model", "v1", "--dev", str(tmp_path))


def test_evaluate_model_says_when_the_dev_folder_is_missing(
    db, trained_model_dir, tmp_path, settings
):
    settings.ATHLETES_MODELS_DIR = tmp_path / "models"
    model_version = ModelVersion.objects.register(trained_model_dir)

    with pytest.raises(CommandError, match="Dev folder not found"):
        call_command("evaluate_model", model_version.version, "--dev", str(tmp_path / "nowhere"))
    model_version.refresh_from_db()
    assert model_version.dev_report is None
