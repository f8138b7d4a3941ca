"""What the product stores, one module per aggregate: athletes and events, model versions,
enrolled examples, roster imports, events' exports, predictions with their faces and reviews,
the groups of unknown faces on People, and the workers' heartbeats."""

from classifier.models.athletes import (
    UPLOAD_TO_EVENT,
    Athlete,
    AthleteQuerySet,
    Event,
    EventQuerySet,
    Team,
)
from classifier.models.examples import Example, ExampleFace, ExampleQuerySet
from classifier.models.exports import EventExport, EventExportQuerySet
from classifier.models.imports import (
    AlreadyImporting,
    ImportRefused,
    RosterImport,
    RosterImportQuerySet,
)
from classifier.models.people import PeopleError, Person, PersonQuerySet
from classifier.models.predictions import (
    Face,
    FaceQuerySet,
    FaceReview,
    Prediction,
    PredictionQuerySet,
    ReviewError,
    ReviewScope,
)
from classifier.models.versions import Busy, CannotServe, ModelVersion, ModelVersionQuerySet
from classifier.models.workers import WorkerHeartbeat, WorkerHeartbeatQuerySet

__all__ = [
    "UPLOAD_TO_EVENT",
    "AlreadyImporting",
    "Athlete",
    "AthleteQuerySet",
    "Busy",
    "CannotServe",
    "Event",
    "EventExport",
    "EventExportQuerySet",
    "EventQuerySet",
    "Example",
    "ExampleFace",
    "ExampleQuerySet",
    "Face",
    "FaceQuerySet",
    "FaceReview",
    "ImportRefused",
    "ModelVersion",
    "ModelVersionQuerySet",
    "PeopleError",
    "Person",
    "PersonQuerySet",
    "Prediction",
    "PredictionQuerySet",
    "ReviewError",
    "ReviewScope",
    "RosterImport",
    "RosterImportQuerySet",
    "Team",
    "WorkerHeartbeat",
    "WorkerHeartbeatQuerySet",
]
