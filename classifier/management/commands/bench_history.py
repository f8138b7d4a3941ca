"""manage.py bench_history: p50 and p95 of the history's pages and API, and (staff) of the
people seen but not known and "more photos of this person", on this database.

Each request goes through the whole Django stack (middleware, sign-in, queries, templates or
JSON) in this process, as staff who see every upload and as the seeded user who owns most
of them, with the process's objects frozen after its first request as the served site's are
(``classifier.web.memory``); the web server's own time is not included. Seed a history first
(``manage.py seed_history``).
"""

import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.test import Client

from classifier.models import Face, Prediction
from classifier.web.memory import frozen_after_first_request


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Print p50/p95 milliseconds of the history page, the API list and a prediction."

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=int, default=30)
        parser.add_argument("--only", default="", help="The requests whose name has this.")

    def handle(self, *args, rounds: int, only: str, **options):
        total = Prediction.objects.count()
        if not total:
            raise CommandError("No predictions: run manage.py seed_history first.")
        commonest = (
            Prediction.objects.exclude(label="")
            .values("label")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        label = commonest["label"] if commonest else "unknown"
        some = Prediction.objects.filter(status=Prediction.Status.DONE).order_by("created_at")[
            total // 3
        ]
        old_page = max(1, total // 3 // 20)
        requests = [
            ("history page", "/predictions/"),
            ("history page 50", "/predictions/?page=50"),
            (f"history label={label}", f"/predictions/?label={label}"),
            ("history q=final", "/predictions/?q=final"),
            ("API list", "/api/predictions/"),
            (f"API list page {old_page}", f"/api/predictions/?page={old_page}"),
            (f"API label={label}", f"/api/predictions/?label={label}"),
            ("API label=unknown", "/api/predictions/?label=unknown"),
            ("API label=no_face", "/api/predictions/?label=no_face"),
            ("API status=failed", "/api/predictions/?status=failed"),
            ("API reviewed=true", "/api/predictions/?reviewed=true"),
            ("API reviewed=false", "/api/predictions/?reviewed=false"),
            ("API q=final", "/api/predictions/?q=final"),
            ("API q=000123 (rare)", "/api/predictions/?q=000123"),
            (
                "API all filters",
                f"/api/predictions/?label={label}&status=done&reviewed=false&q=final",
            ),
            ("prediction page", f"/predictions/{some.pk}/"),
            ("API prediction", f"/api/predictions/{some.pk}/"),
        ]
        unknown = Face.objects.filter(person__isnull=False).order_by("pk")[total // 3 :].first()
        named = Face.objects.exclude(label="unknown").filter(embedding__isnull=False).first()
        staff_only = [("people page", "/people/"), ("API people", "/api/people/")] + [
            (f"{where}more photos ({whose})", f"{prefix}/faces/{face.pk}/more-photos/")
            for whose, face in (("unknown", unknown), ("athlete", named))
            if face is not None
            for where, prefix in (("", ""), ("API ", "/api"))
        ]
        self.stdout.write(f"{total} predictions; {rounds} rounds; milliseconds")
        self.stdout.write(f"{'who':<6} {'request':<30} {'p50':>7} {'p95':>7}")
        with frozen_after_first_request():
            for who, client in clients():
                for name, url in requests + (staff_only if who == "staff" else []):
                    if only not in name:
                        continue
                    times = measure(client, url, rounds)
                    self.stdout.write(
                        f"{who:<6} {name:<30} {percentile(times, 0.5):7.1f} "
                        f"{percentile(times, 0.95):7.1f}"
                    )


def clients() -> list[tuple[str, Client]]:
    """Staff who see every upload, and the seeded user who uploaded half of them."""
    User = get_user_model()
    staff, _ = User.objects.get_or_create(username="history-bench", defaults={"is_staff": True})
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_prediction", "review_prediction"])
    )
    owner = User.objects.get(username="seeded-0")
    made = []
    for who, user in (("staff", staff), ("owner", owner)):
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        made.append((who, client))
    return made


def measure(client: Client, url: str, rounds: int) -> list[float]:
    client.get(url)  # warm: the first request compiles templates and fills caches
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code}.")
    return times
