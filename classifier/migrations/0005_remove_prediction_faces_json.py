from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("classifier", "0004_move_faces_json_into_rows"),
    ]

    operations = [migrations.RemoveField(model_name="prediction", name="faces_json")]
