from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("classifier", "0007_photo_reviews_to_face_reviews"),
    ]

    operations = [migrations.DeleteModel(name="Review")]
