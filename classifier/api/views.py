"""The REST API: upload and read predictions, review their faces (staff), list the known
athletes."""

from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from classifier.api.serializers import (
    AthleteSerializer,
    BulkReviewInputSerializer,
    FaceSerializer,
    PredictionSerializer,
    ReviewInputSerializer,
    UploadSerializer,
)
from classifier.filters import PredictionFilter
from classifier.models import Athlete, Face, ModelVersion, Prediction
from classifier.throttling import admit_photos
from classifier.uploads import visitor_id


class MayReview(BasePermission):
    """Django's ``classifier.review_prediction`` permission, not merely being staff."""

    message = "Reviewing needs the permission to confirm or correct predictions."

    def has_permission(self, request, view) -> bool:
        return request.user.has_perm("classifier.review_prediction")


class MayDelete(BasePermission):
    """The uploader (user or browser session) or a user with the delete permission."""

    message = "Only whoever uploaded this photo can delete it."

    def has_object_permission(self, request, view, prediction: Prediction) -> bool:
        return prediction.may_be_deleted_by(request.user, visitor_id(request))


class StillProcessing(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "still_processing"


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

    queryset = Face.objects.with_review()
    serializer_class = FaceSerializer
    permission_classes = [MayReview]

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


class AthleteViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The athletes the active model knows."""

    serializer_class = AthleteSerializer

    def get_queryset(self):
        return Athlete.objects.known_to(ModelVersion.objects.active())
