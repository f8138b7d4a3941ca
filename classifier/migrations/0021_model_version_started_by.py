import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fail_all_but_the_newest_training(apps, schema_editor):
    """Before one training at a time is a constraint: older versions still in training were
    lost by their worker."""
    versions = apps.get_model("classifier", "ModelVersion").objects.filter(status="training")
    newest = versions.order_by("-created_at").first()
    if newest is not None:
        versions.exclude(pk=newest.pk).update(
            status="failed", error="The worker never finished it."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("classifier", "0020_credits"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="modelversion",
            name="started_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(fail_all_but_the_newest_training, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="modelversion",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "training")),
                fields=("status",),
                name="one_model_version_in_training",
            ),
        ),
    ]
