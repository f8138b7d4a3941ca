"""Events' exports, built by the worker and kept a while."""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("classifier", "0027_api_tokens_hashed"),
    ]

    operations = [
        migrations.CreateModel(
            name="EventExport",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("key", models.CharField(max_length=64)),
                (
                    "photos",
                    models.JSONField(
                        default=list, help_text="The predictions' ids, in the zip's order."
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("queued", "Queued"), ("ready", "Ready"), ("failed", "Failed")],
                        default="queued",
                        max_length=10,
                    ),
                ),
                ("file", models.FileField(blank=True, upload_to="exports/")),
                ("error", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "event",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="exports",
                        to="classifier.event",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["event", "key"], name="export_event_key")],
            },
        ),
    ]
