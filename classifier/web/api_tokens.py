"""API tokens (django-rest-knox): made by their owner on /accounts/tokens/ or by an operator
with ``manage.py create_api_token``, shown once, kept as a SHA-512 digest, revoked by their
owner. ``REST_KNOX`` in the settings says how long they last and how many a user may hold."""

from django.db.models import QuerySet
from knox.models import AuthToken
from knox.settings import knox_settings


class TooManyTokens(Exception):
    """The user holds as many tokens as ``REST_KNOX["TOKEN_LIMIT_PER_USER"]`` allows."""


def tokens_of(user) -> QuerySet[AuthToken]:
    return AuthToken.objects.filter(user=user).order_by("-created")


def issue(user) -> str:
    """A new token for ``user``: the only time anyone sees it."""
    limit = knox_settings.TOKEN_LIMIT_PER_USER
    if limit is not None and tokens_of(user).count() >= limit:
        raise TooManyTokens(f"You hold {limit} tokens already: revoke one first.")
    _, token = AuthToken.objects.create(user=user)
    return token


class EndedByNewPassword:
    """Listed among ``AUTH_PASSWORD_VALIDATORS`` for its ``password_changed`` hook, which
    Django calls at every door that sets a password (the set-password link, the admin,
    ``manage.py changepassword``) but not when it only rehashes one at sign-in: a new
    password ends the account's tokens as it ends its sessions, so a stolen token dies with
    the password its owner replaced. It refuses no password; its help text says so."""

    def validate(self, password: str, user=None) -> None:
        return None

    def password_changed(self, password: str, user=None) -> None:
        if user is not None and user.pk is not None:
            tokens_of(user).delete()

    def get_help_text(self) -> str:
        return "A new password ends the account's API tokens."


def revoke(user, token_key: str) -> bool:
    """Revoke one of ``user``'s own tokens, named by the start it is listed by; False when the
    user holds no such token."""
    deleted, _ = tokens_of(user).filter(token_key=token_key).delete()
    return bool(deleted)
