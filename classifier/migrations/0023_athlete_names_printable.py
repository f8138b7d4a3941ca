"""Athletes' names refuse control characters, which XMP and IPTC cannot carry."""

from django.db import migrations, models

import classifier.models.athletes


class Migration(migrations.Migration):
    dependencies = [
        ("classifier", "0022_drop_probabilities"),
    ]

    operations = [
        migrations.AlterField(
            model_name="athlete",
            name="display_name",
            field=models.CharField(
                max_length=200, validators=[classifier.models.athletes.validate_printable]
            ),
        ),
    ]
