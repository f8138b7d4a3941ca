"""With a bucket configured, every file goes to it and none to the local disk; photos stay private,
streamed by the site; model versions travel as archives checked by their sha256."""

import hashlib
import shutil

import numpy as np
import pytest

from classifier.models import ModelVersion, Prediction
from ml.artifact import Manifest, save_centroids
from ml.errors import ModelError
from tests.web.conftest import bucket_keys, jpeg_bytes, stored_manifest, upload_file

URL = "/api/predictions/"


@pytest.fixture
def artifact_dir(tmp_path):
    """A small model artifact folder, as training writes it."""
    labels = ["lebron_james", "rafael_nadal"]
    folder = tmp_path / "trained" / "20261127-120000-abcd"
    folder.mkdir(parents=True)
    Manifest.from_dict(stored_manifest(folder.name, labels)).write(folder)
    save_centroids(folder, np.eye(2, 512, dtype=np.float32), labels)
    return folder


def test_it_stores_an_upload_in_the_bucket_and_nothing_on_disk(
    client, model_version, sent_tasks, bucket, s3_server, media_root
):
    response = client.post(URL, {"image": upload_file(jpeg_bytes(), "my photo.jpg")})

    assert response.status_code == 202
    prediction = Prediction.objects.get()
    assert bucket_keys(s3_server, bucket) == sorted(
        [prediction.image.name, prediction.thumbnail.name]
    )
    assert not media_root.exists()


def test_it_streams_a_photo_from_the_bucket_through_the_site(
    client, model_version, sent_tasks, bucket
):
    data = client.post(URL, {"image": upload_file(jpeg_bytes(), "my photo.jpg")}).json()
    prediction = Prediction.objects.get()

    assert data["image_url"] == f"http://testserver/media/{prediction.image.name}"
    response = client.get(data["image_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == prediction.image.open("rb").read()


def test_it_serves_no_path_outside_the_bucket(client, db, bucket):
    assert client.get("/media/../../etc/passwd.jpg").status_code == 404
    assert client.get("/media/uploads/%2E%2E/%2E%2E/secret.jpg").status_code == 404
    assert client.get("/media/uploads/missing.jpg").status_code == 404


def test_a_model_plot_is_for_staff_whatever_the_path_s_spelling(
    client, django_user_model, db, bucket
):
    from django.contrib.auth.models import Permission
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    name = default_storage.save("models/v1-confusion.png", ContentFile(b"\x89PNG plot"))
    spellings = [
        f"/media/{name}", f"/media//{name}", f"/media///{name}", f"/media/./{name}",
        f"/media/{name.replace('/', '//')}", f"/media/{name.replace('/', '%5C')}",
        f"/media/{name.replace('/', '/./')}", f"/media/uploads/../{name}",
    ]  # fmt: skip

    assert {path: client.get(path).status_code for path in spellings} == dict.fromkeys(
        spellings, 404
    )
    viewer = django_user_model.objects.create_user("viewer")
    viewer.user_permissions.set(Permission.objects.filter(codename="view_modelversion"))
    client.force_login(viewer)
    assert client.get(f"/media/{name}").status_code == 200
    assert client.get(f"/media//{name}").status_code == 404  # refused, not read another way


def test_it_never_serves_a_model_archive(client, athletes, bucket, artifact_dir):
    model_version = ModelVersion.objects.register(artifact_dir)

    assert client.get(f"/media/{model_version.archive.name}").status_code == 404


def test_it_stores_a_registered_model_as_an_archive_with_its_checksum(
    athletes, bucket, s3_server, artifact_dir
):
    model_version = ModelVersion.objects.register(artifact_dir)

    model_version.refresh_from_db()
    assert model_version.archive.name in bucket_keys(s3_server, bucket)
    data = model_version.archive.open("rb").read()
    assert model_version.archive_sha256 == hashlib.sha256(data).hexdigest()


def test_a_worker_fetches_the_model_from_the_bucket_into_its_own_cache(
    athletes, bucket, artifact_dir, settings, tmp_path
):
    model_version = ModelVersion.objects.register(artifact_dir)
    shutil.rmtree(artifact_dir)  # another machine: the training folder is not there
    settings.ATHLETES_MODEL_CACHE = tmp_path / "cache"

    fetched = ModelVersion.objects.get(pk=model_version.pk).local_dir()

    assert fetched.parent == settings.ATHLETES_MODEL_CACHE
    assert Manifest.read(fetched).version == model_version.version
    assert (fetched / "centroids.npz").is_file()
    assert [p.name for p in settings.ATHLETES_MODEL_CACHE.iterdir()] == [fetched.name]


def test_a_cached_model_is_not_fetched_again(athletes, bucket, artifact_dir, settings, tmp_path):
    settings.ATHLETES_MODEL_CACHE = tmp_path / "cache"
    model_version = ModelVersion.objects.register(artifact_dir)
    first = model_version.local_dir()
    model_version.archive.delete(save=False)  # the bucket no longer has it
    model_version.archive.name = "models/gone.zip"

    assert model_version.local_dir() == first


def test_it_refuses_an_archive_that_does_not_match_its_checksum(
    athletes, bucket, artifact_dir, settings, tmp_path
):
    settings.ATHLETES_MODEL_CACHE = tmp_path / "cache"
    model_version = ModelVersion.objects.register(artifact_dir)
    ModelVersion.objects.filter(pk=model_version.pk).update(archive_sha256="0" * 64)

    with pytest.raises(ModelError, match="does not match its checksum"):
        ModelVersion.objects.get(pk=model_version.pk).local_dir()
    assert not settings.ATHLETES_MODEL_CACHE.exists()


@pytest.mark.parametrize("storage", ["bucket", "media_root"])
def test_a_missing_archive_is_a_model_error_not_a_passing_fault(
    request, storage, athletes, artifact_dir, settings, tmp_path
):
    """The worker fails the photo at once as "the recognizer is not ready" (``ModelError``),
    rather than retrying a read that cannot succeed and blaming the photo's storage."""
    request.getfixturevalue(storage)
    settings.ATHLETES_MODEL_CACHE = tmp_path / "cache"
    model_version = ModelVersion.objects.register(artifact_dir)
    model_version.archive.storage.delete(model_version.archive.name)

    with pytest.raises(ModelError, match=r"model version 20261127-120000-abcd .* is missing"):
        model_version.local_dir()
    assert not settings.ATHLETES_MODEL_CACHE.exists()


def test_on_the_local_disk_the_model_archive_works_the_same(
    athletes, artifact_dir, settings, tmp_path, media_root
):
    settings.ATHLETES_MODEL_CACHE = tmp_path / "cache"
    model_version = ModelVersion.objects.register(artifact_dir)
    shutil.rmtree(artifact_dir)

    assert (media_root / model_version.archive.name).is_file()
    assert Manifest.read(model_version.local_dir()).version == model_version.version
