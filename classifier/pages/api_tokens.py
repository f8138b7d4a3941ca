"""A signed-in user's API tokens: make one (shown once, on the page that made it), see which
they hold, revoke one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from classifier.web.api_tokens import TooManyTokens, issue, revoke, tokens_of


@never_cache  # the new token is in this page alone: no cache may keep it
@login_required(login_url="login")
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    new_token, status = None, 200
    if request.method == "POST":
        try:
            new_token, status = issue(request.user), 201
        except TooManyTokens as exc:
            messages.error(request, str(exc))
            status = 409
    context = {"tokens": tokens_of(request.user), "new_token": new_token}
    return render(request, "classifier/api_tokens.html", context, status=status)


@login_required(login_url="login")
@require_POST
def revoke_api_token(request: HttpRequest, token_key: str) -> HttpResponse:
    if revoke(request.user, token_key):
        messages.success(request, f"Token {token_key}… is revoked: it works no more.")
    else:
        messages.error(request, "You hold no such token.")
    return redirect("api_tokens")
