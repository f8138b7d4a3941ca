"""manage.py create_api_token USERNAME: a new API token acting as that user, printed once."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from classifier.web.api_tokens import TooManyTokens, issue


class Command(BaseCommand):
    help = "Make an API token for a user and print it; the database keeps only its digest."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        try:
            self.stdout.write(issue(user))
        except TooManyTokens as exc:
            raise CommandError(f"{username}: {exc}") from exc
