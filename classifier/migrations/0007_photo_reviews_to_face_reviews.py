"""Each photo-level review becomes decisions on the photo's faces, as the photo-level review
does now (Prediction.review_all_faces): "confirm" confirms every face; "correct" to "unknown"
says no face is an athlete; "correct" to an athlete names the face the photo's answer rests on.
A review of a photo without faces has no face to keep it. Those who could view reviews can
view face reviews."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

UNKNOWN = "unknown"
NO_FACE = "no_face"


def shown_answer(face) -> str:
    return face.candidate if face.label == UNKNOWN and face.needs_review else face.label


def photo_answer(faces) -> tuple[str, float | None]:
    """As classifier.models.photo_answer, for faces that are all reviewed."""
    if not faces:
        return NO_FACE, 0.0
    named = [face for face in faces if face.review.label != UNKNOWN]
    if not named:
        return UNKNOWN, max(face.score for face in faces)
    best = max(named, key=lambda face: face.score)
    return best.review.label, best.score if best.candidate == best.review.label else None


def reviews_to_faces(apps, schema_editor) -> None:
    Review = apps.get_model("classifier", "Review")
    Face = apps.get_model("classifier", "Face")
    FaceReview = apps.get_model("classifier", "FaceReview")
    Prediction = apps.get_model("classifier", "Prediction")
    for review in Review.objects.all():
        faces = list(Face.objects.filter(prediction_id=review.prediction_id).order_by("position"))
        if not faces:
            continue
        if review.verdict == "correct" and review.label != UNKNOWN:
            lead = max(faces, key=lambda face: (face.label != UNKNOWN, face.score))
            decisions = {lead.pk: review.label}
        elif review.verdict == "correct":
            decisions = {face.pk: UNKNOWN for face in faces}
        else:
            decisions = {face.pk: shown_answer(face) for face in faces}
        for face in faces:
            if face.pk not in decisions:
                continue
            face.review = FaceReview.objects.create(
                face=face,
                reviewer_id=review.reviewer_id,
                reviewed_at=review.reviewed_at,
                verdict=review.verdict,
                label=decisions[face.pk],
                model_label=face.label,
                model_candidate=face.candidate,
                model_score=face.score,
                model_needs_review=face.needs_review,
            )
            face.save(update_fields=["review"])
        label, confidence = photo_answer([face for face in faces if face.review_id])
        if review.verdict == "correct" and review.label != UNKNOWN:
            label, confidence = review.label, None
        Prediction.objects.filter(pk=review.prediction_id).update(
            label=label, confidence=confidence
        )
    grant_face_review_viewing(apps)


def grant_face_review_viewing(apps) -> None:
    # Permissions are made after migrating; make this one now. The migration's app config
    # stub lacks ``models_module``, which create_permissions only checks for being set.
    app_config = apps.get_app_config("classifier")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    old = Permission.objects.filter(content_type__app_label="classifier", codename="view_review")
    new = Permission.objects.get(content_type__app_label="classifier", codename="view_facereview")
    for permission in old:
        for group in permission.group_set.all():
            group.permissions.add(new)
        for user in permission.user_set.all():
            user.user_permissions.add(new)


def faces_to_reviews(apps, schema_editor) -> None:
    """Back to one review per photo: its latest face decision, with the photo's answer."""
    Review = apps.get_model("classifier", "Review")
    FaceReview = apps.get_model("classifier", "FaceReview")
    Prediction = apps.get_model("classifier", "Prediction")
    done = set()
    for decision in FaceReview.objects.select_related("face").order_by("-reviewed_at", "-pk"):
        prediction_id = decision.face.prediction_id
        if prediction_id in done:
            continue
        done.add(prediction_id)
        Review.objects.update_or_create(
            prediction_id=prediction_id,
            defaults={
                "reviewer_id": decision.reviewer_id,
                "reviewed_at": decision.reviewed_at,
                "verdict": decision.verdict,
                "label": Prediction.objects.get(pk=prediction_id).label,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("classifier", "0006_face_reviews"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(reviews_to_faces, faces_to_reviews)]
