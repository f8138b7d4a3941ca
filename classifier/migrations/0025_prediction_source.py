from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("classifier", "0024_event_uploads"),
    ]

    operations = [
        migrations.AddField(
            model_name="prediction",
            name="source",
            field=models.CharField(blank=True, max_length=32),
        ),
    ]
