"""How predictions, reviews and athletes look in the API, and how uploads are validated."""

from rest_framework import serializers
from rest_framework.settings import api_settings

from classifier import uploads
from classifier.models import Athlete, ModelVersion, Prediction, Review, ReviewError
from ml.errors import ImageRejected


class FaceSerializer(serializers.Serializer):
    """One face found in the photo (stored as the recognizer's dict)."""

    box = serializers.ListField(
        child=serializers.IntegerField(),
        min_length=4,
        max_length=4,
        help_text="[x, y, width, height] in the original photo's pixels.",
    )
    # A declared field named like Field.label, which DRF's metaclass takes out of the class.
    label = serializers.CharField(  # type: ignore[assignment]
        help_text='An athlete\'s label when sure, else "unknown".'
    )
    candidate = serializers.CharField(help_text="The closest athlete, always.")
    score = serializers.FloatField(help_text="Cosine similarity to the candidate (-1 to 1).")
    needs_review = serializers.BooleanField(
        help_text="Between the sure and the unknown lines: a reviewer should decide."
    )
    detection_confidence = serializers.FloatField()


class ReviewSerializer(serializers.ModelSerializer):
    """A review as clients see it: who reviewed only for those who may view reviews, so staff
    usernames never reach the public."""

    # Output only; not marked read-only so that the schema can say it is often absent.
    reviewer = serializers.CharField(
        source="reviewer.username",
        required=False,
        allow_null=True,
        help_text="Who reviewed: only for users allowed to view reviews.",
    )

    class Meta:
        model = Review
        fields = ["verdict", "label", "reviewer", "reviewed_at"]

    def to_representation(self, review: Review) -> dict:
        data = super().to_representation(review)
        if not self.context["request"].user.has_perm("classifier.view_review"):
            del data["reviewer"]
        return data


class PredictionSerializer(serializers.ModelSerializer):
    model_version: "serializers.SlugRelatedField[ModelVersion]" = serializers.SlugRelatedField(
        slug_field="version", read_only=True
    )
    faces = FaceSerializer(many=True, read_only=True)
    probabilities = serializers.DictField(child=serializers.FloatField(), read_only=True)
    timings = serializers.DictField(
        child=serializers.FloatField(), read_only=True, help_text="Milliseconds per step."
    )
    review = ReviewSerializer(read_only=True, allow_null=True)
    image_url = serializers.FileField(source="image", read_only=True)
    annotated_url = serializers.FileField(source="annotated", read_only=True)
    reused = serializers.BooleanField(
        read_only=True, help_text="The same bytes were seen before; their result was reused."
    )

    class Meta:
        model = Prediction
        fields = [
            "id", "status", "label", "confidence", "faces", "probabilities", "model_version",
            "created_at", "started_at", "finished_at", "error", "image_url", "annotated_url",
            "review", "original_name", "sha256", "size", "width", "height", "timings", "reused",
        ]  # fmt: skip
        read_only_fields = fields


class UploadSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="One photo: JPEG, PNG, WebP, BMP or GIF.")

    def validate_image(self, file) -> uploads.CheckedUpload:
        if len(self.context["request"].FILES) > 1 or len(self.initial_data.getlist("image")) > 1:
            raise serializers.ValidationError("Send one photo per request.")
        try:
            return uploads.check_upload(file)
        except ImageRejected as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def create(self, validated_data) -> Prediction:
        request = self.context["request"]
        (prediction,) = uploads.store_uploads(
            [validated_data["image"]],
            uploader=request.user,
            visitor=uploads.visitor_id(request, create=uploads.from_browser(request)),
        )
        return prediction


class ReviewInputSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Review.Verdict.choices)
    label = serializers.CharField(  # type: ignore[assignment]  # as in FaceSerializer
        required=False,
        allow_blank=True,
        help_text='For "correct": an athlete\'s label, or "unknown".',
    )

    def validate(self, data: dict) -> dict:
        if data["verdict"] == Review.Verdict.CORRECT and not data.get("label"):
            raise serializers.ValidationError({"label": "Say which label is right."})
        return data

    def create(self, validated_data) -> Review:
        """The prediction checks the review against its state and the known athletes."""
        prediction = self.context["prediction"]
        try:
            return prediction.record_review(self.context["request"].user, **validated_data)
        except ReviewError as exc:
            errors = {api_settings.NON_FIELD_ERRORS_KEY: [str(exc)]}
            raise serializers.ValidationError(errors) from exc


class AthleteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Athlete
        fields = ["label", "display_name"]
