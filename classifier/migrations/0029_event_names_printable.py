"""Events' names refuse control characters, as athletes' do: the caption carries them."""

from django.db import migrations, models

import classifier.models.athletes


class Migration(migrations.Migration):
    dependencies = [
        ("classifier", "0028_event_exports"),
    ]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="name",
            field=models.CharField(
                max_length=200, validators=[classifier.models.athletes.validate_printable]
            ),
        ),
    ]
