"""The roles staff give accounts on the Accounts page, each a Django group with the permissions
that role needs (docs/security.md), and the invitation: an account made with no password and a
one-time link to set one."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission, User
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


@dataclass(frozen=True)
class Role:
    name: str
    group: str  # the Django group that carries it
    does: str  # what an account with it may do, for the page
    permissions: tuple[str, ...]  # "app_label.codename"; "classifier.view_*" is every view
    staff: bool = False  # opens the admin (read only) and lifts the upload limits


NO_ROLE = "user"
ROLES = {
    "reviewer": Role(
        "Reviewer",
        "Reviewers",
        "reviews faces and names people on People; lists every upload and event",
        ("classifier.review_prediction", "classifier.view_prediction", "classifier.view_event"),
    ),
    "enroller": Role(
        "Enroller",
        "Enrollers",
        "adds athletes and their example photos",
        ("classifier.add_athlete",),
    ),
    "trainer": Role(
        "Trainer",
        "Trainers",
        "trains model versions and follows them on the Models page",
        ("classifier.add_modelversion", "classifier.view_modelversion"),
    ),
    "viewer": Role(
        "Viewer",
        "Viewers",
        "staff: sees every upload, every model version and the admin, read only",
        ("classifier.view_*",),
        staff=True,
    ),
}
ROLE_CHOICES = [(NO_ROLE, "User")] + [(key, role.name) for key, role in ROLES.items()]
# What each choice may do, in words, for the page.
ROLE_DESCRIPTIONS = [("User", "uploads photos and sees their own")] + [
    (role.name, role.does) for role in ROLES.values()
]


def role_permissions(role: Role) -> list[Permission]:
    query = Q(pk__in=[])
    for name in role.permissions:
        app_label, codename = name.split(".")
        if codename.endswith("*"):
            query |= Q(content_type__app_label=app_label, codename__startswith=codename[:-1])
        else:
            query |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(query))


def role_group(role: Role) -> Group:
    """The role's group, with the role's permissions (made, or set back, when a role is given)."""
    group, _ = Group.objects.get_or_create(name=role.group)
    group.permissions.set(role_permissions(role))
    return group


def role_of(user: User) -> str:
    """The account's role, by its groups: ``user`` when it has none of the roles' groups.
    Reads ``groups.all()``, so a list that prefetched them asks nothing more per account."""
    groups = {group.name for group in user.groups.all()}
    return next((key for key, role in ROLES.items() if role.group in groups), NO_ROLE)


@transaction.atomic
def set_role(user: User, key: str) -> None:
    """Give the account this role and only it; a superuser keeps every permission anyway."""
    if user.is_superuser:
        raise ValidationError("A superuser has every permission: change it in the admin.")
    user.groups.remove(*Group.objects.filter(name__in=[role.group for role in ROLES.values()]))
    role = ROLES.get(key)
    if role is not None:
        user.groups.add(role_group(role))
    user.is_staff = role is not None and role.staff
    user.save(update_fields=["is_staff"])


@transaction.atomic
def invite(username: str, email: str, key: str) -> User:
    """A new account with this role and no password yet: it can sign in once its owner has
    set one through ``set_password_link``."""
    user = get_user_model()(username=username, email=email)
    user.set_unusable_password()
    user.save()
    set_role(user, key)
    return user


def set_password_link(request: HttpRequest, user: User) -> str:
    """The link that lets the account's owner choose a password, once: Django's password reset
    token, which stops working when the password changes or after PASSWORD_RESET_TIMEOUT."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return request.build_absolute_uri(path)
