"""The Accounts page: staff invite someone with a role and get a one-time set-password link to
pass on; the invited person sets a password once and has the role's permissions; staff change
roles; only staff who may add and change users get the page."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from tests.web.conftest import PASSWORD

NEW_PASSWORD = "tennis-clay-court-2026"


def invite(client: Client, username: str = "rita", role: str = "reviewer"):
    return client.post("/accounts/", {"username": username, "email": "", "role": role})


def link_in(response) -> str:
    """The set-password link the page shows, as a path."""
    found = re.search(
        r'value="http://testserver(/accounts/reset/[^"]+)"', response.content.decode()
    )
    assert found, response.content.decode()
    return found.group(1)


def set_password(link: str) -> Client:
    """Follow the link in a fresh browser and choose a password; return that browser."""
    browser = Client()
    form = browser.get(link, follow=True)
    assert "Choose the password you will sign in with" in form.content.decode()
    done = browser.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"
    return browser


def test_an_invited_reviewer_sets_a_password_once_and_reviews(staff_client, django_user_model):
    response = invite(staff_client)

    assert response.status_code == 200
    rita = django_user_model.objects.get(username="rita")
    assert not rita.has_usable_password()
    assert rita.has_perms(["classifier.review_prediction", "classifier.view_prediction"])
    assert not rita.is_staff
    link = link_in(response)
    assert "Give this link to <strong>rita</strong>" in response.content.decode()

    set_password(link)
    browser = Client()
    signed_in = browser.post(
        "/accounts/login/", {"username": "rita", "password": NEW_PASSWORD, "next": "/review/"}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == "/review/"
    assert browser.get("/review/").status_code == 200
    again = Client().get(link, follow=True).content.decode()
    assert "This link has been used already or is too old." in again


def test_no_cache_keeps_a_page_with_a_set_password_link(staff_client, django_user_model):
    """Whoever opens the link sets the account's password: like a new API token, it is in
    the page that made it alone."""
    invited = invite(staff_client)
    rita = django_user_model.objects.get(username="rita")
    again = staff_client.post(f"/accounts/{rita.pk}/link/")

    for response in (invited, again):
        assert "/accounts/reset/" in response.content.decode()
        assert "no-store" in response["Cache-Control"]


def test_a_taken_username_is_refused_in_words(staff_client, django_user_model):
    invite(staff_client)

    response = invite(staff_client, role="trainer")

    assert response.status_code == 400
    assert "A user with that username already exists." in response.content.decode()
    assert "/accounts/reset/" not in response.content.decode()
    rita = django_user_model.objects.get(username="rita")
    assert not rita.has_perm("classifier.add_modelversion")


def test_a_username_taken_in_other_capitals_is_taken(staff_client, django_user_model):
    invite(staff_client)

    response = invite(staff_client, username="RITA", role="viewer")

    assert response.status_code == 400
    assert "A user with that username already exists." in response.content.decode()
    assert not django_user_model.objects.filter(username="RITA").exists()


@pytest.mark.parametrize(
    ("role", "may", "may_not", "is_staff"),
    [
        ("trainer", ["add_modelversion", "view_modelversion"], ["review_prediction"], False),
        ("enroller", ["add_athlete"], ["view_prediction"], False),
        (
            "viewer",
            ["view_prediction", "view_facereview", "view_modelversion"],
            ["add_athlete"],
            True,
        ),
        ("user", [], ["review_prediction", "view_prediction"], False),
    ],
)
def test_staff_change_a_role_and_only_that_role_remains(
    staff_client, django_user_model, role, may, may_not, is_staff
):
    invite(staff_client)
    rita = django_user_model.objects.get(username="rita")

    response = staff_client.post(f"/accounts/{rita.pk}/role/", {"role": role})

    assert response.status_code == 302
    rita = django_user_model.objects.get(pk=rita.pk)  # no cached permissions
    assert rita.has_perms([f"classifier.{codename}" for codename in may])
    assert not any(rita.has_perm(f"classifier.{codename}") for codename in may_not)
    assert rita.is_staff == is_staff
    assert rita.groups.count() == (0 if role == "user" else 1)
    listed = staff_client.get("/accounts/").content.decode()
    assert f'<option value="{role}" selected>' in listed


def test_a_superusers_role_is_not_changed_here(staff_client, staff):
    response = staff_client.post(f"/accounts/{staff.pk}/role/", {"role": "user"}, follow=True)

    assert "A superuser has every permission: change it in the admin." in response.content.decode()
    staff.refresh_from_db()
    assert staff.is_superuser and staff.is_staff


def test_a_new_link_for_someone_who_lost_theirs(staff_client, django_user_model):
    first = link_in(invite(staff_client))
    rita = django_user_model.objects.get(username="rita")
    set_password(first)

    second = link_in(staff_client.post(f"/accounts/{rita.pk}/link/"))

    assert second != first
    set_password(second)


def test_only_who_may_add_and_change_users_gets_the_page(client, django_user_model, staff):
    clerk = django_user_model.objects.create_user("clerk", password=PASSWORD)
    clerk.user_permissions.add(Permission.objects.get(codename="add_user"))
    client.force_login(clerk)

    assert client.get("/accounts/").status_code == 403
    assert invite(client).status_code == 403
    assert client.post(f"/accounts/{staff.pk}/link/").status_code == 403
    assert not django_user_model.objects.filter(username="rita").exists()
    assert Client().get("/accounts/").status_code == 302  # to sign in
    clerk.user_permissions.add(Permission.objects.get(codename="change_user"))
    clerk = django_user_model.objects.get(pk=clerk.pk)
    client.force_login(clerk)
    assert invite(client).status_code == 200
    # and still no link to take over a superuser's account
    response = client.post(f"/accounts/{staff.pk}/link/", follow=True)
    assert "Only a superuser may give a superuser&#x27;s account a new link." in (
        response.content.decode()
    )


def test_the_page_asks_the_same_queries_however_many_accounts(
    staff_client, django_user_model, django_assert_max_num_queries
):
    def queries() -> int:
        with django_assert_max_num_queries(1000) as counted:
            assert staff_client.get("/accounts/").status_code == 200
        return len(counted.captured_queries)

    few = queries()
    for n in range(5):
        django_user_model.objects.create_user(f"fan{n}")
    assert queries() == few
