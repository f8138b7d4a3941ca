from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("classifier", "0003_worker_heartbeat"),
        ("classifier", "0008_delete_review"),
    ]

    operations: list = []
