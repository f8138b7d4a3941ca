"""Athletes, the teams they play in, and the events whose rosters limit who may be named."""

from pathlib import Path
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import models
from django.db.models import Count, Q

from ml.dataset import display_name, label_for
from ml.results import ANSWERS_NOT_ATHLETES, NO_FACE, NOT_A_FACE, UNKNOWN
from ml.roster import CONTROL

if TYPE_CHECKING:
    from classifier.models.versions import ModelVersion


class AthleteQuerySet(models.QuerySet["Athlete"]):
    def display_names(self) -> dict[str, str]:
        """``{label: display name}`` for every athlete, for templates and annotated images."""
        return dict(self.values_list("label", "display_name"))

    def answer_names(self) -> dict[str, str]:
        """Every answer a photo can carry, with the name to show for it: what the answer menus
        offer."""
        return {**self.display_names(), UNKNOWN: "Unknown person", NO_FACE: "No face found"}

    def label_names(self) -> dict[str, str]:
        """Every answer a photo or a face can carry, with the name to show for it: a face's
        may also be ``NOT_A_FACE`` (its photo's answer leaves it out, ``photo_answer``)."""
        return {**self.answer_names(), NOT_A_FACE: "Not a face"}

    def ensure(self, labels: list[str], display_names: dict[str, str] | None = None) -> list[str]:
        """Create the athletes that do not exist yet; return the labels created."""
        display_names = display_names or {}
        created = []
        for label in labels:
            _, was_created = self.get_or_create(
                label=label,
                defaults={"display_name": display_names.get(label) or display_name(label)},
            )
            if was_created:
                created.append(label)
        return created

    def new_label(self, display_name: str, label: str = "") -> str:
        """The label of a new athlete: ``label``, or one made from the name (Roger Federer →
        roger_federer); raise ValidationError saying why it cannot be used."""
        field = "label" if label else "display_name"
        label = label or label_for(display_name)
        if not label:
            raise ValidationError({"display_name": "Give a name with letters."})
        if label in ANSWERS_NOT_ATHLETES:
            raise ValidationError({field: f'"{label}" is an answer, not an athlete: give another.'})
        if self.filter(label=label).exists():
            raise ValidationError({"label": f'An athlete labelled "{label}" exists already.'})
        return label

    def from_roster(
        self, name: str, label: str, team: str = "", sport: str = "", number: str = ""
    ) -> tuple["Athlete", bool]:
        """The athlete of a roster's row, created if new (True); an existing athlete keeps
        what was set before and gets only what was blank. A team joins them to that Team."""
        athlete, created = self.get_or_create(
            label=label,
            defaults={"display_name": name, "team": team, "sport": sport, "number": number},
        )
        blank = {key: value for key, value in
                 {"team": team, "sport": sport, "number": number}.items()
                 if value and not getattr(athlete, key)}  # fmt: skip
        if blank:
            for key, value in blank.items():
                setattr(athlete, key, value)
            athlete.save(update_fields=list(blank))
        if team:
            Team.objects.get_or_create(name=team)[0].athletes.add(athlete)
        return athlete, created

    def named(self, names: list[str]) -> list["Athlete"]:
        """The athletes of these names, those not enrolled yet created without photos (a
        roster may name them before their photos come)."""
        return [self.from_roster(name, label_for(name))[0] for name in names]

    def with_example_counts(self) -> "AthleteQuerySet":
        """Each athlete with ``photo_count``, their usable example photos (a face chosen):
        none means not enrolled yet."""
        return self.annotate(
            photo_count=Count("examples", filter=Q(examples__chosen__isnull=False))
        )

    def review_choices(self, events: "models.QuerySet[Event]") -> dict[str, object]:
        """Who a reviewer may name, for the review page's name box (static/js/review.js ranks
        them per face): every athlete with their jersey number and team, and the roster of
        each of ``events`` (the shown faces' events that the reviewer may list). Nothing is
        numbered by position, so adding an athlete changes no key."""
        rosters = {
            event.pk: sorted(event.roster_athletes().values_list("label", flat=True))
            for event in events
        }
        return {
            "athletes": [
                {"label": a.label, "name": a.display_name, "number": a.number, "team": a.team}
                for a in self.order_by("display_name", "label")
            ],
            "rosters": rosters,
        }

    def correction_labels(self) -> list[str]:
        """The labels a reviewer may correct a prediction to."""
        return [*self.values_list("label", flat=True), UNKNOWN]

    def known_to(self, model_version: "ModelVersion | None") -> "AthleteQuerySet":
        """The athletes whose label the given model can predict."""
        if model_version is None:
            return self.none()
        return self.filter(label__in=model_version.labels)

    def shown_to_anyone(self, active: "ModelVersion | None") -> "AthleteQuerySet":
        """The athletes that any visitor's menus may list: those the ``active`` model knows,
        and those a reviewer named on a face. One enrolled but not trained yet is the desk's
        business (an upcoming signing, a roster)."""
        from classifier.models.predictions import FaceReview  # predictions.py builds on this

        return self.known_to(active) | self.filter(label__in=FaceReview.objects.values("label"))


def validate_printable(name: str) -> None:
    """A name is written into photos' XMP and IPTC (an athlete's, and an event's in the
    caption), which cannot hold control characters: one would come back as something else
    than the name shown (exiftool writes "." for it in XMP)."""
    if CONTROL.search(name):
        raise ValidationError("A name cannot hold control characters (a tab, a line break…).")


class Athlete(models.Model):
    label = models.SlugField(max_length=100, unique=True)
    display_name = models.CharField(max_length=200, validators=[validate_printable])
    team = models.CharField(max_length=200, blank=True)
    sport = models.CharField(max_length=100, blank=True)
    number = models.CharField(max_length=4, blank=True, help_text="Jersey number.")

    objects = AthleteQuerySet.as_manager()

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name

    @staticmethod
    def labels_in(folder: Path) -> list[str]:
        """The athlete labels of a ``<label>/<photos>`` folder: its sub-folders, which must be
        slugs; raise ValueError naming the first that is not."""
        labels = sorted(child.name for child in folder.iterdir() if child.is_dir())
        for label in labels:
            try:
                validate_slug(label)
            except ValidationError as exc:
                raise ValueError(
                    f'"{label}" is not a valid label: use letters, digits, _ or -.'
                ) from exc
        return labels


class Team(models.Model):
    """Athletes who play together, so that an event's roster can be two teams."""

    name = models.CharField(max_length=200, unique=True)
    athletes = models.ManyToManyField(Athlete, related_name="teams", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# Who may upload into every event; an event marked ``open`` takes anyone's photos.
UPLOAD_TO_EVENT = "classifier.upload_to_event"


class EventQuerySet(models.QuerySet["Event"]):
    def taking_uploads_from(self, user) -> "EventQuerySet":
        """The events ``user`` may upload into: every one with the permission to upload into
        events, the open ones otherwise. An event's zip, its caption and its roster speak for
        the desk, so a stranger's photo gets into an event only if the desk opened it."""
        return self if user.has_perm(UPLOAD_TO_EVENT) else self.filter(open=True)

    def visible_to(self, user) -> "EventQuerySet":
        """The events ``user`` may list, with their names, dates and rosters (the API, the
        menus of the upload page and the history): those they may upload into, and every one
        for a user who may view events. A game's roster is planning data, not for anyone."""
        return self if user.has_perm("classifier.view_event") else self.taking_uploads_from(user)


class Event(models.Model):
    """A game or a shoot. Photos uploaded into it are named only from its roster: the athletes
    of its teams and the athletes chosen one by one. An event without a roster limits nobody."""

    name = models.CharField(max_length=200, validators=[validate_printable])
    date = models.DateField()
    teams = models.ManyToManyField(Team, related_name="events", blank=True)
    athletes = models.ManyToManyField(Athlete, related_name="events", blank=True)
    open = models.BooleanField(
        default=False,
        help_text="Anyone may upload photos into it, anonymous visitors too; otherwise only "
        "accounts with the permission to upload into events.",
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "name"]
        permissions = [("upload_to_event", "Can upload photos into any event")]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%Y-%m-%d})"

    def why_no_uploads_from(self, user) -> str:
        """Empty when ``user`` may upload into this event; otherwise why not, for them."""
        if Event.objects.taking_uploads_from(user).filter(pk=self.pk).exists():
            return ""
        refusal = "This event takes photos only from accounts allowed to upload into events"
        if not user.is_authenticated:
            return f"{refusal}: sign in, or upload without an event."
        return f"{refusal}, and yours is not: upload without an event, or ask for the permission."

    def roster(self) -> set[str] | None:
        """The labels the recognizer may name in this event, or None for anyone."""
        return set(self.roster_athletes().values_list("label", flat=True)) or None

    def roster_athletes(self) -> AthleteQuerySet:
        """The athletes of its teams and those chosen one by one, enrolled yet or not."""
        return Athlete.objects.filter(Q(events=self) | Q(teams__events=self)).distinct()
