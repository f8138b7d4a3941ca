"""The Accounts page: staff invite a reviewer (or any role) and set each account's role. An
invitation shows a one-time link to set a password, for the staff member to pass on: no mail
server is needed."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from classifier.web.access import staff_page
from classifier.web.roles import (
    ROLE_CHOICES,
    ROLE_DESCRIPTIONS,
    ROLES,
    invite,
    role_of,
    set_password_link,
    set_role,
)

TAKEN = "A user with that username already exists."

accounts_page = staff_page(
    ("auth.add_user", "auth.change_user"),
    "Inviting and changing accounts needs the permissions to add and change users.",
)


class InviteForm(forms.ModelForm):
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial="reviewer")

    class Meta:
        model = get_user_model()
        fields = ["username", "email"]
        help_texts = {"email": "Optional: for your records; no mail is sent."}

    def clean_username(self) -> str:
        """A name taken in other capitals is taken too, as sign-up has it: "Admin" beside
        "admin" would be two accounts that read alike on this page."""
        name = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=name).exists():
            raise ValidationError(TAKEN)
        return name


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES)


def render_accounts(
    request: HttpRequest, form: InviteForm, link: str = "", invited=None, status: int = 200
) -> HttpResponse:
    accounts = [
        (account, role_of(account))
        for account in get_user_model().objects.order_by("username").prefetch_related("groups")
    ]
    context = {
        "form": form,
        "accounts": accounts,
        "choices": ROLE_CHOICES,
        "link": link,
        "invited": invited,
        "link_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
        "roles": ROLE_DESCRIPTIONS,
    }
    return render(request, "classifier/accounts.html", context, status=status)


@never_cache  # the set-password link is in this page alone: no cache may keep it
@require_http_methods(["GET", "POST"])
@accounts_page
def accounts(request: HttpRequest) -> HttpResponse:
    """The accounts with their roles, and the invitation form (POST: invite)."""
    form = InviteForm(request.POST or None)
    if request.method == "GET":
        return render_accounts(request, form)
    if not form.is_valid():
        return render_accounts(request, form, status=400)
    data = form.cleaned_data
    invited = invite(data["username"], data["email"], data["role"])
    link = set_password_link(request, invited)
    return render_accounts(request, InviteForm(), link=link, invited=invited)


@require_POST
@accounts_page
def change_role(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(get_user_model(), pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles.")
        return redirect("accounts")
    try:
        set_role(account, form.cleaned_data["role"])
    except ValidationError as refused:
        messages.error(request, refused.messages[0])
        return redirect("accounts")
    role = ROLES.get(form.cleaned_data["role"])
    messages.success(
        request, f"{account.get_username()} is now {'a user' if role is None else role.name}."
    )
    return redirect("accounts")


@never_cache  # as accounts: the page holds the link
@require_POST
@accounts_page
def new_link(request: HttpRequest, pk: int) -> HttpResponse:
    """A fresh set-password link for an account whose owner lost theirs or forgot the password."""
    account = get_object_or_404(get_user_model(), pk=pk)
    if account.is_superuser and not request.user.is_superuser:
        messages.error(request, "Only a superuser may give a superuser's account a new link.")
        return redirect("accounts")
    link = set_password_link(request, account)
    return render_accounts(request, InviteForm(), link=link, invited=account)
