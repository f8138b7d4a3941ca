"""Faces become rows: the recognizer's faces JSON on each prediction moves into Face rows."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("classifier", "0002_permissions_to_review_and_activate"),
    ]

    operations = [
        # Out of the way of the reverse accessor ``Prediction.faces`` until 0005 drops it.
        migrations.RenameField(model_name="prediction", old_name="faces", new_name="faces_json"),
        migrations.CreateModel(
            name="Face",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "position",
                    models.PositiveSmallIntegerField(
                        help_text="Order in the model's result, from 0."
                    ),
                ),
                ("x", models.PositiveIntegerField()),
                ("y", models.PositiveIntegerField()),
                ("width", models.PositiveIntegerField()),
                ("height", models.PositiveIntegerField()),
                (
                    "embedding",
                    models.BinaryField(blank=True, help_text="float32, little-endian.", null=True),
                ),
                ("label", models.CharField(db_index=True, max_length=100)),
                ("candidate", models.CharField(max_length=100)),
                (
                    "score",
                    models.FloatField(help_text="Cosine similarity to the candidate's centroid."),
                ),
                ("needs_review", models.BooleanField(default=False)),
                ("detection_confidence", models.FloatField(blank=True, null=True)),
                (
                    "prediction",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="faces",
                        to="classifier.prediction",
                    ),
                ),
            ],
            options={
                "ordering": ["prediction", "position"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("prediction", "position"), name="one_face_per_position"
                    )
                ],
            },
        ),
    ]
