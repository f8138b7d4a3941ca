"""People seen but not known: groups of unknown faces, kept as faces arrive (backfilled by
`manage.py group_people`)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("classifier", "0018_roster"),
    ]

    operations = [
        migrations.CreateModel(
            name="Person",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "total",
                    models.BinaryField(help_text="The sum of its faces' unit vectors, float32."),
                ),
                ("size", models.PositiveIntegerField(default=0, help_text="How many faces.")),
                (
                    "arranged",
                    models.BooleanField(
                        default=False,
                        help_text="Merged or split by staff: the worker never regroups it.",
                    ),
                ),
                (
                    "hidden",
                    models.BooleanField(
                        default=False, help_text="Staff chose not to see it on People."
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "indexes": [models.Index(fields=["hidden", "-size"], name="person_shown")],
            },
        ),
        migrations.AddField(
            model_name="face",
            name="person",
            field=models.ForeignKey(
                blank=True,
                help_text="Its group on People while it is an unknown face.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="faces",
                to="classifier.person",
            ),
        ),
    ]
