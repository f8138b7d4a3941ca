"""Model versions: trained artifacts registered with the site, or being trained by the worker.

A version's artifact folder is kept as a zip in the site's storage (a bucket when several
machines share the work) with its sha256, so a process on any machine fetches it by version,
checks it, and unpacks it once into its local cache (``ModelVersion.local_dir``): no shared
filesystem is needed."""

import hashlib
import io
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from celery import current_app
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from classifier import task_names
from classifier.models.athletes import Athlete
from ml.artifact import (
    CONFUSION_PLOT,
    DET_PLOT,
    DEV_REPORT,
    HELD_OUT_DET_PLOT,
    Manifest,
    new_version,
)
from ml.dataset import display_name
from ml.dev_report import DevReport
from ml.errors import ModelError
from ml.held_out import HeldOutReport

# What a version trained before reviewed faces were held out shows instead of the report.
NOT_HELD_OUT = (
    "Held-out reviewed faces",
    "Not measured: trained before reviewed faces were held out. Train a new version to measure it.",
)


# A training or a re-run still unfinished this long after it started lost its worker: longer
# than either task's hard time limit (31 and 61 minutes) plus the wait behind the other on the
# training queue, so a lost one no longer blocks the next.
LOST_AFTER = timedelta(hours=2)
ONE_TRAINING = "A model is already being trained: wait for it to finish, then train again."
ONE_RERUN = "History is already being re-run: wait for it to finish, then re-run again."


class Busy(Exception):
    """A training or a re-run was refused because another is still going; ``str()`` says so."""


class CannotServe(Exception):
    """The version is still training or failed, so it cannot name photos; ``str()`` says so."""


@dataclass(frozen=True)
class Rerun:
    """The last re-run of history with a version (``ModelVersion.rerun``): where it is, which
    photos it takes (the history's filters), how far it got, and when it started (ISO 8601)."""

    status: Literal["queued", "running", "finished", "failed"]
    filters: dict[str, str] = field(default_factory=dict)
    total: int = 0
    done: int = 0
    skipped: int = 0
    started_at: str = ""

    @property
    def is_going(self) -> bool:
        """Queued or running, and not lost (``LOST_AFTER``); a re-run recorded before starts
        were dated counts as lost."""
        if self.status not in ("queued", "running") or not self.started_at:
            return False
        return datetime.fromisoformat(self.started_at) > timezone.now() - LOST_AFTER


class ModelVersionQuerySet(models.QuerySet["ModelVersion"]):
    def active(self) -> "ModelVersion | None":
        return self.filter(is_active=True).first()

    def start_training(self, user=None) -> "ModelVersion":
        """A new version named now, started by ``user``, in training until the worker has
        trained it; raise Busy while another is in training (a constraint holds it, whatever
        two requests race). One lost by its worker (``LOST_AFTER``) is marked failed first."""
        self.filter(
            status=ModelVersion.Status.TRAINING, created_at__lt=timezone.now() - LOST_AFTER
        ).update(status=ModelVersion.Status.FAILED, error="The worker never finished it.")
        try:
            with transaction.atomic():
                model_version = self.create(
                    version=new_version(), status=ModelVersion.Status.TRAINING, started_by=user
                )
        except IntegrityError as exc:
            raise Busy(ONE_TRAINING) from exc
        transaction.on_commit(
            lambda: current_app.send_task(
                task_names.TRAIN_MODEL_VERSION, args=[model_version.version]
            )
        )
        return model_version

    def register(self, model_dir: Path) -> "ModelVersion":
        """The ready ModelVersion of the artifact in ``model_dir``: created on first sight, or
        the row the worker trained it for (``start_training``) made ready. Its archive and plots
        go to storage and its athletes are created, with the artifact's display names; a version
        registered before is returned as it is."""
        manifest = Manifest.read(model_dir)
        with transaction.atomic():
            # A new row is inserted ready, never in training: one training at a time is for
            # the worker's, not for what a command registers.
            model_version = self.select_for_update().filter(
                version=manifest.version
            ).first() or ModelVersion(version=manifest.version, status=ModelVersion.Status.TRAINING)
            if model_version.status == ModelVersion.Status.TRAINING:
                model_version.path = stored_path(model_dir)
                model_version.manifest = manifest.to_dict()
                model_version.status, model_version.progress = ModelVersion.Status.READY, 100
                model_version.save()
                model_version.store_artifact(model_dir)
        Athlete.objects.ensure(manifest.labels, manifest.display_names)
        return model_version

    def rollback_target(self) -> "ModelVersion | None":
        """The ready version that was active most recently before the one active now."""
        return (
            self.filter(status=ModelVersion.Status.READY, is_active=False)
            .exclude(activated_at=None)
            .order_by("-activated_at")
            .first()
        )


class ModelVersion(models.Model):
    """A trained artifact directory registered with the site, or one the worker is training.
    At most one is active, and only a ready one can be."""

    class Status(models.TextChoices):
        TRAINING = "training"
        READY = "ready"
        FAILED = "failed"

    version = models.CharField(max_length=100, unique=True)
    # Relative to ATHLETES_MODELS_DIR when the artifact lives there, absolute otherwise.
    path = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.READY)
    progress = models.PositiveSmallIntegerField(default=100, help_text="Percent of training.")
    error = models.TextField(blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    rerun = models.JSONField(
        default=dict, blank=True, help_text="The last re-run of history: status and counts."
    )
    # The artifact's manifest.json (ml.artifact.Manifest.to_dict), read through
    # ``artifact_manifest``; empty until the version is ready.
    manifest = models.JSONField(default=dict, blank=True)
    confusion_matrix = models.FileField(upload_to="models/", blank=True)
    # The DET curve on held-out reviewed faces (ml.artifact.HELD_OUT_DET_PLOT), when training
    # had held-out faces of athletes and of others to draw it from.
    held_out_det_curve = models.FileField(upload_to="models/", blank=True)
    # What `python -m ml evaluate --dev` (or `manage.py evaluate_model`) measured on the dev
    # set (ml.artifact.DEV_REPORT; ml.dev_report.DevReport.to_dict, read through
    # ``dev_evaluation``), and its DET curve (ml.artifact.DET_PLOT).
    dev_report = models.JSONField(null=True, blank=True)
    dev_det_curve = models.FileField(upload_to="models/", blank=True)
    # The artifact folder as a zip in storage, which is how workers on other machines get it
    # (ModelVersion.local_dir); never served by the media view.
    archive = models.FileField(upload_to="models/", blank=True)
    archive_sha256 = models.CharField(max_length=64, blank=True)
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # Who asked the site to train it; empty for a version a command registered.
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ModelVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [("activate_modelversion", "Can choose the version the workers serve")]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="one_active_model_version",
            ),
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="training"),
                name="one_model_version_in_training",
            ),
        ]

    def __str__(self) -> str:
        return self.version

    @property
    def model_dir(self) -> Path:
        return Path(settings.ATHLETES_MODELS_DIR) / self.path

    @property
    def artifact_manifest(self) -> Manifest:
        """The stored ``manifest`` JSON as the typed record the artifact was written from."""
        return Manifest.from_dict(self.manifest, source=f"Model version {self.version}")

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def labels(self) -> list[str]:
        return self.artifact_manifest.labels if self.is_ready else []

    @property
    def metrics(self) -> dict[str, Any]:
        """What training measured (the manifest's ``metrics``); nothing before it is ready."""
        return self.artifact_manifest.metrics if self.is_ready else {}

    @property
    def held_out_report(self) -> HeldOutReport | None:
        """What training measured on reviewed faces it held out (``ml.held_out.measure``), or
        None before the version is ready or for one trained before faces were held out."""
        return self.artifact_manifest.held_out if self.is_ready else None

    @property
    def held_out_figures(self) -> list[tuple[str, str]]:
        """The held-out report as (what, figures) rows, for any page that shows the version."""
        report = self.held_out_report
        return [NOT_HELD_OUT] if report is None else report.describe()

    @property
    def dev_evaluation(self) -> DevReport | None:
        """The stored ``dev_report`` as its typed record; None until the version is evaluated
        on a dev set."""
        return DevReport.from_dict(self.dev_report) if self.dev_report else None

    @property
    def charts(self) -> list[tuple[FieldFile, str]]:
        """The stored plots of what was measured, each with the words that say what it shows."""
        plots = [
            (self.held_out_det_curve, f"DET curve of {self.version} on held-out reviewed faces"),
            (self.dev_det_curve, f"DET curve of {self.version} on the dev set"),
            (self.confusion_matrix, f"Confusion matrix of {self.version}"),
        ]
        return [(plot, caption) for plot, caption in plots if plot]

    @property
    def display_names(self) -> dict[str, str]:
        """Names to draw on faces: the admin's athlete names win over the artifact's."""
        return {**self.artifact_manifest.display_names, **Athlete.objects.display_names()}

    @property
    def why_not_serving(self) -> str:
        """Empty when the version can name photos (activate, compare, re-run); otherwise why
        not, for staff. A failed version activated would fail every photo."""
        if self.is_ready:
            return ""
        return f"Version {self.version} is {self.status}: it cannot serve."

    def knows(self, shown: int = 12) -> str:
        """The athletes this version names, in words ("LeBron James and Rafael Nadal"; past
        ``shown``, how many more), for the home page and the first run."""
        display_names = self.display_names
        names = [display_names.get(label) or display_name(label) for label in self.labels]
        if len(names) > shown:
            return f"{', '.join(names[:shown])} and {len(names) - shown} more athletes"
        if len(names) > 1:
            return f"{', '.join(names[:-1])} and {names[-1]}"
        return names[0] if names else "no athlete yet"

    def activate(self) -> None:
        """Make this the one active version; workers pick it up on their next task. Raises
        CannotServe for a version that is not ready, whoever asks (page, API, admin, command)."""
        if why := self.why_not_serving:
            raise CannotServe(why)
        with transaction.atomic():
            ModelVersion.objects.select_for_update().filter(is_active=True).exclude(
                pk=self.pk
            ).update(is_active=False)
            self.activated_at = timezone.now()
            ModelVersion.objects.filter(pk=self.pk).update(
                is_active=True, activated_at=self.activated_at
            )
        self.is_active = True

    def set_progress(self, percent: int) -> None:
        ModelVersion.objects.filter(pk=self.pk).update(progress=percent)
        self.progress = percent

    @property
    def last_rerun(self) -> Rerun | None:
        return Rerun(**self.rerun) if self.rerun else None

    def record_rerun(self, rerun: Rerun) -> None:
        self.rerun = asdict(rerun)
        ModelVersion.objects.filter(pk=self.pk).update(rerun=self.rerun)

    def start_rerun(self, filters: dict[str, str]) -> None:
        """Re-run the finished predictions that ``filters`` (the history's) select, in the
        worker; raise Busy while a re-run with any version is going. Every version's row is
        locked while this one checks, so two requests cannot both start one."""
        with transaction.atomic():
            versions = ModelVersion.objects.select_for_update().only("rerun").order_by("pk")
            if any(each.last_rerun and each.last_rerun.is_going for each in versions):
                raise Busy(ONE_RERUN)
            self.record_rerun(Rerun("queued", filters, started_at=timezone.now().isoformat()))
        transaction.on_commit(
            lambda: current_app.send_task(task_names.RERUN_HISTORY, args=[self.version, filters])
        )

    def store_artifact(self, model_dir: Path) -> None:
        """Keep the artifact as a zip in the site's storage, with its sha256, so that a worker
        on any machine can fetch it (``local_dir``); and its plots and dev report for the pages
        that show it."""
        archive = pack(model_dir)
        self.archive_sha256 = hashlib.sha256(archive).hexdigest()
        self.archive.save(f"{self.version}.zip", ContentFile(archive))
        plots = [
            (CONFUSION_PLOT, self.confusion_matrix, "confusion"),
            (HELD_OUT_DET_PLOT, self.held_out_det_curve, "held-out-det"),
        ]
        for name, stored, suffix in plots:
            if (model_dir / name).is_file():
                with (model_dir / name).open("rb") as f:
                    stored.save(f"{self.version}-{suffix}.png", File(f))
        if (model_dir / DEV_REPORT).is_file():
            plot = model_dir / DET_PLOT
            self.record_dev_report(
                DevReport.from_dict(
                    json.loads((model_dir / DEV_REPORT).read_text()), model_dir / DEV_REPORT
                ),
                plot.read_bytes() if plot.is_file() else None,
            )

    def record_dev_report(self, report: DevReport, det_plot: bytes | None) -> None:
        """Keep a dev-set evaluation of this version (``ml.dev_evaluation.evaluate_dev``) and
        its DET curve in the database and storage, so the pages of every machine show them."""
        self.dev_report = report.to_dict()
        if det_plot is not None:
            self.dev_det_curve.save(
                f"{self.version}-dev-det.png", ContentFile(det_plot), save=False
            )
        self.save(update_fields=["dev_report", "dev_det_curve"])

    def local_dir(self) -> Path:
        """The version's artifact folder on this machine.

        Fetched from storage the first time, checked against its sha256, and unpacked under a
        temporary name that is renamed into ``ATHLETES_MODEL_CACHE``, so a process never sees
        half a folder and two processes fetching at once both end with the same one. A version
        registered before archives existed is read where it was trained.
        """
        if not self.archive:
            return self.model_dir
        cache = Path(settings.ATHLETES_MODEL_CACHE)
        target = cache / f"{self.version}-{self.archive_sha256[:12]}"
        if target.is_dir():
            return target
        try:
            with self.archive.open("rb") as stored:
                data = stored.read()
        except FileNotFoundError as error:  # not a passing fault: no retry would find it
            raise ModelError(
                f"The stored archive of model version {self.version} "
                f"({self.archive.name}) is missing; register the version again."
            ) from error
        if hashlib.sha256(data).hexdigest() != self.archive_sha256:
            raise ModelError(
                f"The stored archive of model version {self.version} does not match its "
                "checksum; register the version again."
            )
        cache.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=cache))
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                archive.extractall(partial)
            os.rename(partial, target)
        except OSError:
            if not target.is_dir():  # not a lost race with another process: a real failure
                raise
        finally:
            shutil.rmtree(partial, ignore_errors=True)
        return target

    def mark_failed(self, reason: str) -> None:
        self.status, self.error = self.Status.FAILED, reason
        self.save(update_fields=["status", "error"])


def stored_path(model_dir: Path) -> str:
    """Relative to ATHLETES_MODELS_DIR when inside it, so the folder can move as a whole."""
    model_dir = model_dir.resolve()
    try:
        return str(model_dir.relative_to(Path(settings.ATHLETES_MODELS_DIR).resolve()))
    except ValueError:
        return str(model_dir)


def pack(model_dir: Path) -> bytes:
    """The artifact folder as a zip of its files, in a fixed order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(model_dir.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(model_dir).as_posix())
    return buffer.getvalue()
