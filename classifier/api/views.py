"""The REST API: upload and read predictions, review their faces (staff), list the known
athletes."""

from pathlib import Path

from django.http import FileResponse, HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from classifier import people
from classifier.api.serializers import (
    AthleteSerializer,
    BulkReviewInputSerializer,
    EventSerializer,
    ExampleSerializer,
    ExamplesUploadSerializer,
    FaceSerializer,
    HideInputSerializer,
    MergeInputSerializer,
    ModelVersionSerializer,
    NamePersonSerializer,
    NewAthleteSerializer,
    PersonSerializer,
    PredictionSerializer,
    ReviewInputSerializer,
    RosterImportSerializer,
    RosterImportUploadSerializer,
    SimilarFaceSerializer,
    SplitInputSerializer,
    UploadSerializer,
)
from classifier.desk.event_zip import EXPORT_RETRY_AFTER, export_key, export_name, export_photos
from classifier.desk.photo_tags import TaggingUnavailable
from classifier.desk.prediction_tags import download_name, tagged_copies
from classifier.filters import PredictionFilter
from classifier.models import (
    AlreadyImporting,
    Athlete,
    Busy,
    CannotServe,
    Event,
    EventExport,
    Face,
    ImportRefused,
    ModelVersion,
    Person,
    Prediction,
    RosterImport,
)
from classifier.uploads import MEDIA_TYPES, visitor_id
from classifier.version_comparison import compare
from classifier.web.throttling import TaggingThrottle, admit_photos, kept_or_new_export


class MayReview(BasePermission):
    """Django's ``classifier.review_prediction`` permission, not merely being staff."""

    message = "Reviewing needs the permission to confirm or correct predictions."

    def has_permission(self, request, view) -> bool:
        return request.user.has_perm("classifier.review_prediction")


class MaySeePeople(BasePermission):
    """People shows faces of every upload: reviewing and seeing every upload, both."""

    message = people.WHY_NOT

    def has_permission(self, request, view) -> bool:
        return people.may_see_people(request.user)


class MayDelete(BasePermission):
    """The uploader (user or browser session) or a user with the delete permission."""

    message = "Only whoever uploaded this photo can delete it."

    def has_object_permission(self, request, view, prediction: Prediction) -> bool:
        return prediction.may_be_deleted_by(request.user, visitor_id(request))


class StillProcessing(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "still_processing"


class TaggingFailed(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "tagging_unavailable"

    def __init__(self, reason: TaggingUnavailable):
        super().__init__(str(reason))
        self.wait = reason.retry_after  # DRF sends it as Retry-After


class PredictionViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Predictions. Anyone may upload; lists show your own uploads (staff see all); uploaders
    may delete theirs."""

    serializer_class = PredictionSerializer
    queryset = Prediction.objects.select_related("model_version").with_faces()
    filter_backends = [DjangoFilterBackend]
    filterset_class = PredictionFilter

    def get_permissions(self):
        return [MayDelete()] if self.action == "destroy" else super().get_permissions()

    def get_queryset(self):
        if self.action != "list":  # one prediction: its unguessable id is the permission
            return super().get_queryset()
        visitor = visitor_id(self.request)
        return super().get_queryset().visible_to(self.request.user, visitor)

    def filter_queryset(self, queryset):
        """The history filters apply to lists; one prediction is found by its id alone."""
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(
        request=UploadSerializer,
        responses={
            202: OpenApiResponse(PredictionSerializer, description="Queued for the worker."),
            201: OpenApiResponse(
                PredictionSerializer, description="Same bytes seen before: result reused."
            ),
            400: OpenApiResponse(description="The file is not an image we accept, and why."),
            403: OpenApiResponse(description="The event takes no photos from you, and why."),
            413: OpenApiResponse(description="The request is larger than the upload limit."),
            429: OpenApiResponse(description="Too many photos from you; see Retry-After."),
            503: OpenApiResponse(description="Too many photos queued; see Retry-After."),
        },
    )
    def create(self, request, *args, **kwargs):
        """Upload one photo (multipart, field ``image``)."""
        admit_photos(request, max(1, sum(len(files) for _, files in request.FILES.lists())))
        upload = UploadSerializer(data=request.data, context={"request": request})
        upload.is_valid(raise_exception=True)
        prediction = upload.save()
        data = self.get_serializer(prediction).data
        location = request.build_absolute_uri(
            reverse("api:prediction-detail", args=[prediction.pk])
        )
        answer = status.HTTP_201_CREATED if prediction.reused else status.HTTP_202_ACCEPTED
        return Response(data, status=answer, headers={"Location": location})

    @extend_schema(
        responses={
            204: OpenApiResponse(description="Deleted, with its photos."),
            403: OpenApiResponse(description="Not your upload."),
            409: OpenApiResponse(description="Still being processed; delete it once done."),
        },
    )
    def destroy(self, request, *args, **kwargs):
        """Delete your own upload: the prediction, its photo, thumbnail and annotated photo."""
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, prediction: Prediction) -> None:
        if prediction.why_not_deletable:
            raise StillProcessing(prediction.why_not_deletable)
        prediction.delete()

    @extend_schema(
        responses={
            (200, "image/jpeg"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The photo with its names in XMP."
            ),
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY),
            409: OpenApiResponse(description="Still being processed; download it once done."),
            429: OpenApiResponse(description="Too many tagged downloads; see Retry-After."),
            503: OpenApiResponse(description="The server cannot write metadata now."),
        },
    )
    @action(detail=True, methods=["get"], throttle_classes=[TaggingThrottle])
    def photo(self, request, pk=None):
        """The photo as a download named ``<original name>-athletes.jpg``: the named athletes
        (``Iptc4xmpExt:PersonInImage``), one MWG face region per named face, the names as
        keywords and a caption, and the credits the sent file carried (creator, credit, rights,
        source, capture date), and its GPS position only if the uploader kept it
        (``keep_location``); never a serial number. Open to whoever has the id, like the photo
        itself."""
        prediction = self.get_object()
        if prediction.is_pending:
            raise StillProcessing("This photo is still being processed: download it once done.")
        suffix = Path(prediction.image.name).suffix.lower()
        if suffix not in MEDIA_TYPES or not prediction.image.storage.exists(prediction.image.name):
            raise NotFound("This photo's file is missing.")
        try:
            [(_, tagged)] = tagged_copies([prediction])
        except TaggingUnavailable as exc:
            raise TaggingFailed(exc) from exc
        disposition = content_disposition_header(True, download_name(prediction))
        return HttpResponse(
            tagged, content_type=MEDIA_TYPES[suffix], headers={"Content-Disposition": disposition}
        )

    @extend_schema(
        request=ReviewInputSerializer,
        responses={200: PredictionSerializer, 400: OpenApiResponse(description="Why not.")},
        deprecated=True,
    )
    @action(detail=True, methods=["post"], permission_classes=[MayReview])
    def review(self, request, pk=None):
        """Reviewers only; deprecated: review each face with ``POST /api/faces/{id}/review/``.

        A bulk action over the photo's faces: "confirm" confirms every face; "correct" to
        "unknown" says no face is an athlete; "correct" to an athlete names the face the
        photo's answer rests on.
        """
        prediction = self.get_object()
        review = ReviewInputSerializer(data=request.data, context={"request": request})
        review.is_valid(raise_exception=True)
        review.record(prediction.review_all_faces)
        return Response(self.get_serializer(self.get_object()).data)


class FaceViewSet(viewsets.GenericViewSet):
    """The faces of finished photos, reviewed one by one."""

    serializer_class = FaceSerializer
    permission_classes = [MayReview]

    def get_queryset(self):
        """Only faces of photos the caller may list: a face's number opens nothing else."""
        faces = Face.objects.with_review()
        if getattr(self, "swagger_fake_view", False):  # the schema's generator: no session
            return faces
        return faces.visible_to(self.request.user, visitor_id(self.request))

    @extend_schema(responses={200: SimilarFaceSerializer(many=True)})
    @action(detail=True, url_path="more-photos", permission_classes=[MaySeePeople])
    def more_photos(self, request, pk=None):
        """More photos of this person: the faces nearest this one across the archive (any
        face, an athlete's or an unknown one), in other photos, most alike first. A face
        only in a photo the caller may list."""
        face = self.get_object()
        found = people.more_photos(face, request.user)
        for other, similarity in found:
            other.similarity = round(similarity, 4)
        nearest = [other for other, _ in found]
        context = {"request": request}
        return Response(SimilarFaceSerializer(nearest, many=True, context=context).data)

    @extend_schema(
        request=ReviewInputSerializer,
        responses={200: FaceSerializer, 400: OpenApiResponse(description="Why not.")},
    )
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """Reviewers only: confirm the face's answer, or correct it to an athlete or to
        "unknown" (not an athlete). The decision is kept beside earlier ones; the latest
        counts, and the photo's answer follows."""
        face = self.get_object()
        review = ReviewInputSerializer(data=request.data, context={"request": request})
        review.is_valid(raise_exception=True)
        review.record(face.record_review)
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        operation_id="faces_review_many",
        request=BulkReviewInputSerializer,
        responses={200: FaceSerializer(many=True), 400: OpenApiResponse(description="Why not.")},
    )
    @action(detail=False, methods=["post"], url_path="review")
    def review_many(self, request):
        """Reviewers only: the same decision on several faces (a photo's, or a selection),
        all recorded or none."""
        review = BulkReviewInputSerializer(data=request.data, context={"request": request})
        review.is_valid(raise_exception=True)
        faces = review.record_each()
        reviewed = self.get_queryset().filter(pk__in=[face.pk for face in faces])
        return Response(self.get_serializer(reviewed, many=True).data)


class PeopleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """People seen but not known: groups of unknown faces kept as faces arrive, for staff to
    name, merge, split or hide."""

    permission_classes = [MaySeePeople]
    serializer_class = PersonSerializer

    def get_queryset(self):
        if self.action == "list":
            return people.people_shown(hidden=self.request.query_params.get("hidden") == "true")
        return Person.objects.all()

    @extend_schema(
        parameters=[
            OpenApiParameter("hidden", bool, description="true: the groups staff have hidden.")
        ],
        description="Groups of two or more unknown faces that look like one person, the "
        "biggest first, each with its first 24 faces. Needs the permissions to review and to "
        "see every upload.",
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=HideInputSerializer,
        responses={200: PersonSerializer, 400: OpenApiResponse(description="Why not.")},
    )
    @action(detail=True, methods=["post"])
    def hide(self, request, pk=None):
        """Hide the group from People (``hidden: false`` shows it again); faces of that person
        that arrive later join it, hidden too."""
        person = self.get_object()
        choice = HideInputSerializer(data=request.data)
        choice.is_valid(raise_exception=True)
        person.hidden = choice.validated_data["hidden"]
        person.save(update_fields=["hidden"])
        return Response(self.get_serializer(person).data)

    @extend_schema(
        request=MergeInputSerializer,
        responses={200: PersonSerializer, 400: OpenApiResponse(description="Why not.")},
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        """Merge another group (``person``) into this one: staff say they are one person."""
        person = self.get_object()
        merging = MergeInputSerializer(data=request.data)
        merging.is_valid(raise_exception=True)
        merging.merge(person)
        return Response(self.get_serializer(Person.objects.get(pk=person.pk)).data)

    @extend_schema(
        request=SplitInputSerializer,
        responses={201: PersonSerializer, 400: OpenApiResponse(description="Why not.")},
    )
    @action(detail=True, methods=["post"])
    def split(self, request, pk=None):
        """Move some of the group's faces (``faces``) to a new group, which is returned."""
        person = self.get_object()
        splitting = SplitInputSerializer(data=request.data)
        splitting.is_valid(raise_exception=True)
        new = splitting.split(person)
        return Response(self.get_serializer(new).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=NamePersonSerializer,
        responses={
            200: OpenApiResponse(FaceSerializer(many=True), description="The faces, now named."),
            400: OpenApiResponse(description="Why not; nothing was recorded."),
        },
    )
    @action(detail=False, methods=["post"], url_path="name")
    def name_person(self, request):
        """Reviewers only: say these faces are one athlete, an enrolled one (``label``) or a
        new one (``name``, which needs the permission to add athletes). Each face gets a
        review "correct" to that athlete, kept beside earlier decisions; the next training
        learns them."""
        naming = NamePersonSerializer(data=request.data, context={"request": request})
        naming.is_valid(raise_exception=True)
        naming.save()
        faces = Face.objects.with_review().filter(
            pk__in=[face.pk for face in naming.validated_data["faces"]]
        )
        return Response(FaceSerializer(faces, many=True, context={"request": request}).data)


class HasPerm(BasePermission):
    """A Django permission, named per action of a viewset (``view.required_perms``)."""

    def has_permission(self, request, view) -> bool:
        perm = view.required_perms.get(view.action)
        self.message = f"This needs the permission {perm}."
        return perm is None or request.user.has_perm(perm)


class NotReady(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "not_ready"


class AthleteViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The athletes the active model knows; staff enrol new ones and add their photos."""

    serializer_class = AthleteSerializer
    lookup_field = "label"
    permission_classes = [HasPerm]
    required_perms = {"create": "classifier.add_athlete", "examples": "classifier.add_athlete"}

    def get_queryset(self):
        if self.action == "list":
            return Athlete.objects.known_to(ModelVersion.objects.active())
        return Athlete.objects.all()

    def get_serializer_class(self):
        return NewAthleteSerializer if self.action == "create" else AthleteSerializer

    @extend_schema(responses={201: NewAthleteSerializer, 400: OpenApiResponse(description="Why.")})
    def create(self, request, *args, **kwargs):
        """Enrol an athlete (name, optional label, team and sport); train to make them known."""
        return super().create(request, *args, **kwargs)

    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": ExamplesUploadSerializer},
        responses={
            201: ExampleSerializer(many=True),
            400: OpenApiResponse(description="A file is not a photo we accept; none stored."),
        },
    )
    @extend_schema(methods=["GET"], responses={200: ExampleSerializer(many=True)})
    @action(detail=True, methods=["get", "post"])
    def examples(self, request, label=None):
        """The athlete's example photos (GET), or add some (POST, multipart, field ``images``,
        several files). The worker then finds each photo's faces and chooses the athlete's:
        poll the examples until none is ``pending``."""
        athlete = self.get_object()
        if request.method == "GET":
            examples = athlete.examples.prefetch_related("faces")
            return Response(ExampleSerializer(examples, many=True).data)
        admit_photos(request, max(1, len(request.FILES.getlist("images"))))
        upload = ExamplesUploadSerializer(
            data=request.data, context={"request": request, "athlete": athlete}
        )
        upload.is_valid(raise_exception=True)
        examples = upload.save()
        return Response(ExampleSerializer(examples, many=True).data, status.HTTP_201_CREATED)


class RosterImportViewSet(
    mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """Roster imports: enrol a league's people and photos at once, in the worker; follow one
    to its report. Your own imports only (a superuser sees everyone's); one at a time."""

    serializer_class = RosterImportSerializer
    permission_classes = [HasPerm]
    required_perms = {
        "list": "classifier.add_athlete",
        "retrieve": "classifier.add_athlete",
        "create": "classifier.add_athlete",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema's generator: no user
            return RosterImport.objects.none()
        return RosterImport.objects.visible_to(self.request.user)

    @extend_schema(
        request={"multipart/form-data": RosterImportUploadSerializer},
        responses={
            202: RosterImportSerializer,
            400: OpenApiResponse(description="The roster cannot be read, or is refused; why."),
            409: OpenApiResponse(description="Your last import is still running."),
        },
    )
    def create(self, request):
        """Start importing a roster (multipart: ``roster``, a zip, CSV or JSON file, and
        ``train``); poll its ``Location`` for progress and the report."""
        upload = RosterImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            roster_import = RosterImport.objects.start(
                request.user, upload.validated_data["roster"], train=upload.validated_data["train"]
            )
        except AlreadyImporting as exc:
            raise NotReady(str(exc)) from exc
        except ImportRefused as exc:
            raise ValidationError({"roster": [str(exc)]}) from exc
        location = reverse("api:rosterimport-detail", args=[roster_import.pk])
        return Response(
            self.get_serializer(roster_import).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": request.build_absolute_uri(location)},
        )


class ModelVersionViewSet(
    mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """Model versions: train one from everything enrolled and reviewed, follow it, activate it,
    roll back."""

    serializer_class = ModelVersionSerializer
    queryset = ModelVersion.objects.select_related("started_by")
    lookup_field = "version"
    permission_classes = [HasPerm]
    required_perms = {
        "list": "classifier.view_modelversion",
        "retrieve": "classifier.view_modelversion",
        "create": "classifier.add_modelversion",
        "activate": "classifier.activate_modelversion",
        "rollback": "classifier.activate_modelversion",
        "comparison": "classifier.view_modelversion",
        "rerun": "classifier.activate_modelversion",
    }

    @extend_schema(
        request=None,
        responses={
            202: ModelVersionSerializer,
            409: OpenApiResponse(description="Another version is still in training."),
        },
    )
    def create(self, request):
        """Start training a new version in the worker; poll its ``Location`` for progress.
        One at a time."""
        try:
            model_version = ModelVersion.objects.start_training(request.user)
        except Busy as exc:
            raise NotReady(str(exc)) from exc
        location = reverse("api:modelversion-detail", args=[model_version.version])
        return Response(
            self.get_serializer(model_version).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": request.build_absolute_uri(location)},
        )

    @extend_schema(
        request=None,
        responses={
            200: ModelVersionSerializer,
            409: OpenApiResponse(description="Still training, or training failed."),
        },
    )
    @action(detail=True, methods=["post"])
    def activate(self, request, version=None):
        """Make this version the one the workers serve, from their next photo on."""
        model_version = self.get_object()
        try:
            model_version.activate()
        except CannotServe as exc:
            raise NotReady(str(exc)) from exc
        return Response(self.get_serializer(model_version).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("last", int, description="How many reviewed faces (default 200).")
        ],
        responses={
            200: OpenApiResponse(description="Answers changed, for better and worse."),
            409: OpenApiResponse(description="Not ready, or no active version to compare with."),
        },
    )
    @action(detail=True, methods=["get"])
    def comparison(self, request, version=None):
        """This version beside the active one on the last reviewed faces: how many answers
        change, how many for the better (now what the reviewer said) and for the worse. Each
        change names its photo only to a caller who may list that photo (null otherwise)."""
        model_version = self.get_object()
        active = ModelVersion.objects.active()
        if why := model_version.why_not_serving:
            raise NotReady(why)
        if active is None:
            raise NotReady("No version is active to compare with.")
        try:
            last = min(max(int(request.query_params.get("last", 200)), 1), 5000)
        except ValueError as exc:
            raise ValidationError({"last": "A whole number of faces."}) from exc
        comparison = compare(model_version, active, last)
        return Response(comparison.shown_to(request.user, visitor_id(request)).to_dict())

    @extend_schema(
        request=None,
        responses={
            202: ModelVersionSerializer,
            400: OpenApiResponse(description="A filter is not valid."),
            409: OpenApiResponse(
                description="Still training, training failed, or another re-run is going."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def rerun(self, request, version=None):
        """Name the history's faces again with this version, in the worker: every finished
        photo, or those the history's filters select (the query string of
        ``GET /api/predictions/``: label, status, reviewed, needs_review, q). Reviews are kept; poll
        the version's ``rerun`` for progress. One re-run at a time, whatever the version."""
        model_version = self.get_object()
        if why := model_version.why_not_serving:
            raise NotReady(why)
        filters = PredictionFilter(data=request.query_params, queryset=Prediction.objects.none())
        if not filters.is_valid():
            raise ValidationError(filters.errors)
        try:
            model_version.start_rerun(request.query_params.dict())
        except Busy as exc:
            raise NotReady(str(exc)) from exc
        return Response(self.get_serializer(model_version).data, status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={
            200: ModelVersionSerializer,
            409: OpenApiResponse(description="No earlier version to go back to."),
        },
    )
    @action(detail=False, methods=["post"])
    def rollback(self, request):
        """Activate again the version that was active before the one active now."""
        model_version = ModelVersion.objects.rollback_target()
        if model_version is None:
            raise NotReady("No earlier version was ever active.")
        model_version.activate()
        return Response(self.get_serializer(model_version).data)


class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Events and their rosters, to upload into: those you may upload into (every one with
    the permission to view events); staff create them on the Events pages or in the admin."""

    serializer_class = EventSerializer

    def get_queryset(self):
        return Event.objects.visible_to(self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "uploads",
                str,
                enum=["all"],
                description="all: every upload into the event you may list, strangers' too.",
            )
        ],
        responses={
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY, description="Tagged photos and photos.csv."
            ),
            202: OpenApiResponse(description="Being prepared by the worker; see Retry-After."),
            429: OpenApiResponse(description="Too many tagged downloads; see Retry-After."),
            503: OpenApiResponse(description="The server cannot write metadata now."),
        },
    )
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        """A zip of the event's finished photos that you may list, each tagged as by
        ``/api/predictions/{id}/photo/``, and ``photos.csv`` naming who is in which file.
        Only the photos of accounts allowed to upload into events and of the hot folder,
        unless ``uploads=all``. The worker builds it: ``202`` while it is being prepared (ask
        again after ``Retry-After``), then the zip, kept for whoever asks for the same photos
        saying the same names. Only a new export counts against the tagging limit: asking
        again while it is prepared, or for a kept one, does not."""
        event = self.get_object()
        everyone = request.query_params.get("uploads") == "all"
        photos = export_photos(event, request.user, visitor_id(request), everyone)
        export = kept_or_new_export(request, event, export_key(photos), photos)
        if export.status == EventExport.Status.FAILED:
            raise TaggingFailed(TaggingUnavailable(export.error))
        if export.status == EventExport.Status.QUEUED:
            return Response(
                {"status": "preparing", "photos": len(photos),
                 "detail": "The zip is being prepared: ask again in a few seconds."},
                status=status.HTTP_202_ACCEPTED,
                headers={"Retry-After": str(EXPORT_RETRY_AFTER)},
            )  # fmt: skip
        return FileResponse(
            export.file.open("rb"),
            as_attachment=True,
            filename=export_name(event),
            content_type="application/zip",
        )
