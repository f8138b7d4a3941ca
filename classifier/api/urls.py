"""The API's URL map: one router for every viewset."""

from rest_framework.routers import DefaultRouter

from classifier.api.views import (
    AthleteViewSet,
    EventViewSet,
    FaceViewSet,
    ModelVersionViewSet,
    PeopleViewSet,
    PredictionViewSet,
    RosterImportViewSet,
)

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("predictions", PredictionViewSet, basename="prediction")
router.register("athletes", AthleteViewSet, basename="athlete")
router.register("events", EventViewSet, basename="event")
router.register("faces", FaceViewSet, basename="face")
router.register("models", ModelVersionViewSet, basename="modelversion")
router.register("people", PeopleViewSet, basename="people")
router.register("imports", RosterImportViewSet, basename="rosterimport")

app_name = "api"
urlpatterns = router.urls
