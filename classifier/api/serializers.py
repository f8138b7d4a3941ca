"""How predictions, faces, reviews and athletes look in the API, and how uploads are
validated."""

from collections.abc import Callable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.settings import api_settings

from classifier import people, uploads
from classifier.models import (
    Athlete,
    Event,
    Example,
    ExampleFace,
    Face,
    FaceQuerySet,
    FaceReview,
    ModelVersion,
    PeopleError,
    Person,
    Prediction,
    ReviewError,
    RosterImport,
)
from classifier.uploads import ExamplePhoto
from classifier.web.throttling import address_key
from ml.errors import ImageRejected


class FaceReviewSerializer(serializers.ModelSerializer):
    """A decision as clients see it. Who decided and what the model had said only for those
    who may view reviews, so staff usernames never reach the public."""

    # Output only; not marked read-only so that the schema can say they are often absent.
    reviewer = serializers.CharField(
        source="reviewer.username",
        required=False,
        allow_null=True,
        help_text="Who decided: only for users allowed to view reviews.",
    )
    model_label = serializers.CharField(required=False, help_text="Staff only.")
    model_candidate = serializers.CharField(required=False, help_text="Staff only.")
    model_score = serializers.FloatField(required=False, help_text="Staff only.")

    STAFF_ONLY = ("reviewer", "model_label", "model_candidate", "model_score")

    class Meta:
        model = FaceReview
        fields = [
            "verdict", "label", "reviewer", "reviewed_at", "model_label", "model_candidate",
            "model_score",
        ]  # fmt: skip

    def to_representation(self, review: FaceReview) -> dict:
        data = super().to_representation(review)
        if not self.context["request"].user.has_perm("classifier.view_facereview"):
            for field in self.STAFF_ONLY:
                del data[field]
        return data


class FaceSerializer(serializers.Serializer):
    """One face found in the photo: who it is (a reviewer's answer first) and the model's."""

    id = serializers.IntegerField(read_only=True)
    box = serializers.ListField(
        child=serializers.IntegerField(),
        min_length=4,
        max_length=4,
        help_text="[x, y, width, height] in the original photo's pixels.",
    )
    # A declared field named like Field.label, which DRF's metaclass takes out of the class.
    label = serializers.CharField(  # type: ignore[assignment]
        source="answer",
        help_text="The reviewer's answer when reviewed; else an athlete's label when the model "
        'is sure, else "unknown".',
    )
    candidate = serializers.CharField(help_text="The model's closest athlete, always.")
    score = serializers.FloatField(help_text="Cosine similarity to the candidate (-1 to 1).")
    needs_review = serializers.BooleanField(
        source="awaits_review",
        help_text="Between the sure and the unknown lines, and no reviewer has decided yet.",
    )
    detection_confidence = serializers.FloatField(allow_null=True)
    off_roster = serializers.CharField(
        help_text="The athlete the model would have named surely, whom the event's roster left "
        'out ("Rafael Nadal is not on this event\'s roster"); "" otherwise.'
    )
    review = FaceReviewSerializer(
        allow_null=True, help_text="The current decision on this face, if any."
    )


class PredictionSerializer(serializers.ModelSerializer):
    model_version: "serializers.SlugRelatedField[ModelVersion]" = serializers.SlugRelatedField(
        slug_field="version", read_only=True
    )
    label = serializers.CharField(  # type: ignore[assignment]  # as in FaceSerializer
        read_only=True,
        help_text="The photo's answer from its faces, reviewers' answers first.",
    )
    faces = FaceSerializer(source="face_list", many=True, read_only=True)
    timings = serializers.DictField(
        child=serializers.FloatField(), read_only=True, help_text="Milliseconds per step."
    )
    needs_review = serializers.BooleanField(
        read_only=True, help_text="A face awaits a reviewer's decision."
    )
    possibly = serializers.CharField(
        read_only=True,
        help_text='For an "unknown" photo with a face awaiting review, the athlete it might be '
        '(pages say "Possibly X, needs review"); else "".',
    )
    reviewed = serializers.BooleanField(
        source="is_reviewed", read_only=True, help_text="At least one face was reviewed."
    )
    review = FaceReviewSerializer(
        source="latest_review",
        read_only=True,
        allow_null=True,
        help_text="The latest decision on any of its faces; each face has its own.",
    )
    image_url = serializers.FileField(source="image", read_only=True)
    annotated_url = serializers.FileField(source="annotated", read_only=True)
    reused = serializers.BooleanField(
        read_only=True, help_text="The same bytes were seen before; their result was reused."
    )

    class Meta:
        model = Prediction
        fields = [
            "id", "status", "label", "confidence", "faces", "model_version",
            "created_at", "started_at", "finished_at", "error", "image_url", "annotated_url",
            "needs_review", "possibly", "reviewed", "review", "original_name", "sha256", "size",
            "width",
            "height", "timings", "reused", "event",
        ]  # fmt: skip
        read_only_fields = fields


class UploadSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="One photo: JPEG, PNG, WebP, BMP or GIF.")
    event = serializers.PrimaryKeyRelatedField(
        queryset=Event.objects.all(),
        required=False,
        allow_null=True,
        help_text="An event's id: only athletes on its roster are named. An event takes "
        "photos from accounts allowed to upload into events, or from anyone if it is open.",
    )
    batch = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="The same UUID on photos sent together, as one batch (the review queue's "
        '"your last upload"); a new one when absent.',
    )
    keep_location = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Keep the photo's GPS position (latitude, longitude, altitude and the GPS "
        "date and time) in its tagged download and the event's zip. Off by default: the "
        "position is removed. Camera and lens serial numbers are removed either way.",
    )

    def validate_event(self, event: Event | None) -> Event | None:
        if event is not None and (why := event.why_no_uploads_from(self.context["request"].user)):
            raise PermissionDenied(why)
        return event

    def validate_image(self, file):
        if len(self.context["request"].FILES) > 1 or len(self.initial_data.getlist("image")) > 1:
            raise serializers.ValidationError("Send one photo per request.")
        return file

    def validate(self, data: dict) -> dict:
        """Check the photo once the event is known: a reused result must come from the same
        event, whose roster shaped it."""
        try:
            data["image"] = uploads.check_upload(
                data["image"], data.get("event"), keep_location=data["keep_location"]
            )
        except ImageRejected as exc:
            raise serializers.ValidationError({"image": [str(exc)]}) from exc
        return data

    def create(self, validated_data) -> Prediction:
        request = self.context["request"]
        (prediction,) = uploads.store_uploads(
            [validated_data["image"]],
            uploader=request.user,
            visitor=uploads.visitor_stamp(request),
            source=address_key(request),
            event=validated_data.get("event"),
            batch=validated_data.get("batch"),
        )
        return prediction


class ReviewInputSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(
        choices=FaceReview.Verdict.choices,
        help_text='"confirm" the model\'s answer, or "correct" it to ``label``.',
    )
    label = serializers.CharField(  # type: ignore[assignment]  # as in FaceSerializer
        required=False,
        allow_blank=True,
        help_text='For "correct": an athlete\'s label, "unknown" for "not an athlete", or '
        '"not_a_face" for a false detection.',
    )

    def validate(self, data: dict) -> dict:
        if data["verdict"] == FaceReview.Verdict.CORRECT and not data.get("label"):
            raise serializers.ValidationError({"label": "Say which label is right."})
        return data

    def record(self, review: Callable[..., object]) -> None:
        """Record the decision with ``review(reviewer, verdict, label)``: the face (or the
        photo) checks it against its state and the known athletes."""
        try:
            review(self.context["request"].user, **self.validated_data)
        except ReviewError as exc:
            errors = {api_settings.NON_FIELD_ERRORS_KEY: [str(exc)]}
            raise serializers.ValidationError(errors) from exc


def visible_faces(request) -> FaceQuerySet:
    """The faces a request may name by number: those of photos its caller may list."""
    return Face.objects.visible_to(request.user, uploads.visitor_id(request))


MAX_FACE_ID = 2**63 - 1  # a BigAutoField's largest
MAX_BULK_FACES = 500


class BulkReviewInputSerializer(ReviewInputSerializer):
    faces = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_FACE_ID),
        min_length=1,
        max_length=MAX_BULK_FACES,
        help_text="The ids of the faces to review.",
    )

    def validate_faces(self, ids: list[int]) -> list[Face]:
        faces = visible_faces(self.context["request"]).in_bulk(ids)
        if missing := [str(pk) for pk in ids if pk not in faces]:
            raise serializers.ValidationError(f"No face has the id {', '.join(missing)}.")
        return [faces[pk] for pk in dict.fromkeys(ids)]

    def record_each(self) -> list[Face]:
        """The same decision on every face, together or not at all."""
        faces = self.validated_data.pop("faces")
        with transaction.atomic():
            for face in faces:
                self.record(face.record_review)
        return faces


class EventSerializer(serializers.ModelSerializer):
    roster = serializers.SerializerMethodField(help_text="Labels that may be named; null: anyone.")

    class Meta:
        model = Event
        fields = ["id", "name", "date", "roster"]

    def get_roster(self, event: Event) -> list[str] | None:
        roster = event.roster()
        return None if roster is None else sorted(roster)


class AthleteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Athlete
        fields = ["label", "display_name"]


class NewAthleteSerializer(serializers.ModelSerializer):
    """Enrol an athlete: a name, and the label made from it unless one is given."""

    label = serializers.SlugField(  # type: ignore[assignment]  # as in FaceSerializer
        max_length=100,
        required=False,
        help_text="Machine name; made from the name when absent (Roger Federer → roger_federer).",
    )
    examples = serializers.IntegerField(source="examples.count", read_only=True)

    class Meta:
        model = Athlete
        fields = ["label", "display_name", "team", "sport", "number", "examples"]

    def validate(self, data: dict) -> dict:
        try:
            data["label"] = Athlete.objects.new_label(data["display_name"], data.get("label", ""))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return data


class ExamplesUploadSerializer(serializers.Serializer):
    images = serializers.ListField(
        child=serializers.FileField(), min_length=1, help_text="Photos of the athlete."
    )

    def validate_images(self, files) -> list[ExamplePhoto]:
        try:
            return uploads.check_examples(files)
        except uploads.UploadsRefused as exc:
            raise serializers.ValidationError(exc.reasons) from exc

    def create(self, validated_data) -> list[Example]:
        return uploads.store_examples(self.context["athlete"], validated_data["images"])


class ExampleFaceSerializer(serializers.ModelSerializer):
    box = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = ExampleFace
        fields = ["id", "position", "box"]


class ExampleSerializer(serializers.ModelSerializer):
    """An enrolled photo: ``pending`` until the worker has found its faces, then ``ready``
    (``chosen`` is the athlete's face), ``no_face`` or ``failed`` (``error`` says why)."""

    image_url = serializers.FileField(source="image", read_only=True)
    faces = ExampleFaceSerializer(many=True, read_only=True)

    class Meta:
        model = Example
        fields = [
            "id", "original_name", "image_url", "created_at", "status", "error", "faces",
            "chosen", "source_face",
        ]  # fmt: skip
        read_only_fields = fields


class ModelVersionSerializer(serializers.ModelSerializer):
    """A model version: its training job's state, and once ready its metrics and athletes."""

    labels = serializers.ListField(child=serializers.CharField(), read_only=True)
    training_counts = serializers.SerializerMethodField()
    calibration = serializers.SerializerMethodField()
    metrics = serializers.DictField(read_only=True, help_text="What training measured.")
    held_out_figures = serializers.SerializerMethodField(
        help_text="The held-out report (metrics.held_out) as [what, figures] rows."
    )
    held_out_det_curve = serializers.FileField(read_only=True, allow_null=True)
    started_by = serializers.CharField(
        source="started_by.username",
        read_only=True,
        allow_null=True,
        help_text="Who started its training; null for a version a command registered.",
    )

    class Meta:
        model = ModelVersion
        fields = [
            "version", "status", "progress", "error", "is_active", "created_at", "activated_at",
            "started_by", "labels", "training_counts", "calibration", "metrics", "held_out_figures",
            "held_out_det_curve", "rerun",
        ]  # fmt: skip
        read_only_fields = fields

    def get_training_counts(self, model_version: ModelVersion) -> dict[str, int]:
        return model_version.artifact_manifest.training_counts if model_version.is_ready else {}

    def get_calibration(self, model_version: ModelVersion) -> dict:
        return model_version.artifact_manifest.calibration if model_version.is_ready else {}

    def get_held_out_figures(self, model_version: ModelVersion) -> list[list[str]]:
        if model_version.status != ModelVersion.Status.READY:
            return []
        return [list(row) for row in model_version.held_out_figures]


class PhotoFaceSerializer(serializers.Serializer):
    """A face and the photo it is in."""

    id = serializers.IntegerField()
    box = serializers.ListField(
        child=serializers.IntegerField(), help_text="[x, y, width, height] in the photo's pixels."
    )
    prediction = serializers.UUIDField(source="prediction_id", help_text="The photo's id.")
    image_url = serializers.FileField(source="prediction.image", help_text="The whole photo.")


class UnknownFaceSerializer(PhotoFaceSerializer):
    """One face of a group of people seen but not known, and the photo it is in."""

    candidate = serializers.CharField(help_text="The model's closest athlete, not this person.")
    score = serializers.FloatField(help_text="Cosine similarity to the candidate (-1 to 1).")


class PersonSerializer(serializers.ModelSerializer):
    """A group of unknown faces that look like one person, kept as faces arrive."""

    count = serializers.IntegerField(source="size", help_text="How many faces.")
    faces = serializers.SerializerMethodField(
        help_text="Its faces, oldest upload first: the first 24 in a list, all in one group."
    )

    class Meta:
        model = Person
        fields = ["id", "count", "hidden", "arranged", "faces"]
        read_only_fields = fields

    @extend_schema_field(UnknownFaceSerializer(many=True))
    def get_faces(self, person: Person) -> list[dict]:
        faces = getattr(person, "shown_faces", None)
        if faces is None:
            faces = people.group_faces().filter(person=person)
        return list(UnknownFaceSerializer(faces, many=True, context=self.context).data)


class SimilarFaceSerializer(PhotoFaceSerializer):
    """A face near another one in the archive: another photo of that person, most likely."""

    answer = serializers.CharField(help_text='Who the face is now, or "unknown".')
    person = serializers.IntegerField(
        source="person_id", allow_null=True, help_text="Its group on People, if unknown."
    )
    similarity = serializers.FloatField(help_text="Cosine similarity to the face asked about.")


class HideInputSerializer(serializers.Serializer):
    hidden = serializers.BooleanField(default=True, help_text="false shows the group again.")


class MergeInputSerializer(serializers.Serializer):
    person = serializers.IntegerField(
        min_value=1, max_value=MAX_FACE_ID, help_text="The group to merge into this one."
    )

    def validate_person(self, pk: int) -> Person:
        other = Person.objects.filter(pk=pk).first()
        if other is None:
            raise serializers.ValidationError(f"No group has the id {pk}.")
        return other

    def merge(self, person: Person) -> None:
        try:
            person.merge(self.validated_data["person"])
        except PeopleError as error:
            raise serializers.ValidationError({"person": str(error)}) from error


class SplitInputSerializer(serializers.Serializer):
    faces = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_FACE_ID),
        allow_empty=False,
        max_length=MAX_BULK_FACES,
        help_text="The ids of the group's faces that are someone else: they become a new group.",
        error_messages={"empty": "Choose the faces to move to a new group."},
    )

    def split(self, person: Person) -> Person:
        ids = self.validated_data["faces"]
        faces = list(Face.objects.filter(pk__in=ids))
        if missing := sorted(set(ids) - {face.pk for face in faces}):
            raise serializers.ValidationError(
                {"faces": f"No face has the id {', '.join(map(str, missing))}."}
            )
        try:
            return person.split(faces)
        except PeopleError as error:
            raise serializers.ValidationError({"faces": str(error)}) from error


CHOOSE_FACES = "Choose at least one face of this person."


class NamePersonSerializer(serializers.Serializer):
    """Name a group of unknown faces: an athlete who exists (``label``), or a new one created
    from ``name`` as ``POST /api/athletes/`` creates them."""

    faces = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_FACE_ID),
        allow_empty=False,
        max_length=MAX_BULK_FACES,
        help_text="The ids of the faces that are this person (leave out those that are not).",
        error_messages={"required": CHOOSE_FACES, "empty": CHOOSE_FACES},
    )
    label = serializers.CharField(  # type: ignore[assignment]  # as in FaceSerializer
        required=False, allow_blank=True, help_text="An enrolled athlete's label."
    )
    name = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Or a new athlete's name."
    )

    def validate_faces(self, ids: list[int]) -> list[Face]:
        faces = visible_faces(self.context["request"]).with_review().in_bulk(ids)
        if missing := [str(pk) for pk in ids if pk not in faces]:
            raise serializers.ValidationError(f"No face has the id {', '.join(missing)}.")
        chosen = [faces[pk] for pk in dict.fromkeys(ids)]
        if named := people.already_named(chosen):
            ids_named = ", ".join(str(face.pk) for face in named)
            raise serializers.ValidationError(
                f"Already named, so not part of an unknown person: face {ids_named}."
            )
        return chosen

    def validate(self, data: dict) -> dict:
        label, name = data.get("label", ""), data.get("name", "").strip()
        if bool(label) == bool(name):
            raise serializers.ValidationError(
                "Pick an athlete or type the name of a new one (one of the two)."
            )
        if label and not Athlete.objects.filter(label=label).exists():
            raise serializers.ValidationError({"label": f'No athlete is labelled "{label}".'})
        if name:
            if not self.context["request"].user.has_perm("classifier.add_athlete"):
                raise serializers.ValidationError(
                    {"name": "Adding an athlete needs the permission to add athletes."}
                )
            athlete = NewAthleteSerializer(data={"display_name": name})
            if not athlete.is_valid():
                reasons = [str(reason) for field in athlete.errors.values() for reason in field]
                raise serializers.ValidationError({"name": reasons})
            data["new_athlete"] = athlete
        return data

    def save(self, **kwargs) -> Athlete:
        """Create the athlete if new, then correct every face to them, together or not at all."""
        data = self.validated_data
        with transaction.atomic():
            if "new_athlete" in data:
                athlete = data["new_athlete"].save()
            else:
                athlete = Athlete.objects.get(label=data["label"])
            people.name_person(data["faces"], self.context["request"].user, athlete.label)
        return athlete


class RosterImportUploadSerializer(serializers.Serializer):
    roster = serializers.FileField(
        help_text="A zip (one folder per person, or a roster.csv / roster.json with the "
        "photos beside it), or a CSV or JSON table whose photos are URLs."
    )
    train = serializers.BooleanField(
        default=False, help_text="Train a new model when the import is done."
    )


class RosterImportSerializer(serializers.ModelSerializer):
    """An import's progress, then its report: one entry per person (``name``, ``label``,
    ``new``, ``photos`` in the roster, ``added``, ``duplicates`` already enrolled, and
    ``problems`` in words), and ``problems`` for rows and files skipped."""

    model_version: "serializers.SlugRelatedField[ModelVersion]" = serializers.SlugRelatedField(
        slug_field="version",
        read_only=True,
        help_text="The version whose training the import started, with train=true.",
    )
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = RosterImport
        fields = [
            "id", "status", "source_name", "created_at", "finished_at", "train",
            "people_total", "people_done", "photos_added", "percent", "error", "problems",
            "report", "model_version",
        ]  # fmt: skip
        read_only_fields = fields
