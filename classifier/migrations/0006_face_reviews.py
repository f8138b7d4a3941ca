"""Reviews are per face: a FaceReview row per decision, the face pointing at its current one."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("classifier", "0005_remove_prediction_faces_json"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="FaceReview",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reviewed_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "verdict",
                    models.CharField(
                        choices=[("confirm", "Confirm"), ("correct", "Correct")], max_length=10
                    ),
                ),
                (
                    "label",
                    models.CharField(
                        help_text="Who the face is, by this decision.", max_length=100
                    ),
                ),
                ("model_label", models.CharField(max_length=100)),
                ("model_candidate", models.CharField(max_length=100)),
                ("model_score", models.FloatField()),
                ("model_needs_review", models.BooleanField()),
                (
                    "face",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reviews",
                        to="classifier.face",
                    ),
                ),
                (
                    "reviewer",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-reviewed_at", "-pk"],
            },
        ),
        migrations.AddField(
            model_name="face",
            name="review",
            field=models.ForeignKey(
                blank=True,
                help_text="The current decision: the latest of the face's reviews.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="classifier.facereview",
            ),
        ),
    ]
