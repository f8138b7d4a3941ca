"""Which predictions a visitor may list.

A prediction's page and API resource are open to whoever has its id: ids are random UUIDs, so
the link itself is the permission, and it is what a user shares. Lists are private: users with
the ``classifier.view_prediction`` permission see every prediction, a signed-in user sees their
own uploads, and an anonymous visitor sees the uploads made from their browser session. That
session holds a random visitor id, written once (when the site's pages are shown) and stamped on
each upload, so concurrent uploads never race to update a list in the session. API clients that
bring no session get none made for them: they keep the ``Location`` of what they upload.
"""

import secrets

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from classifier.models import Prediction

SESSION_KEY = "visitor"


def visitor_id(request: HttpRequest, *, create: bool = True) -> str:
    """This browser session's visitor id; created on first use unless ``create`` is false."""
    if create and SESSION_KEY not in request.session:
        request.session[SESSION_KEY] = secrets.token_hex(16)
    return request.session.get(SESSION_KEY, "")


def visible_predictions(request: HttpRequest) -> QuerySet:
    predictions = Prediction.objects.select_related("model_version", "review")
    if request.user.has_perm("classifier.view_prediction"):
        return predictions
    visitor = request.session.get(SESSION_KEY)
    own = Q(visitor=visitor) if visitor else Q(pk__in=[])
    if request.user.is_authenticated:
        own |= Q(uploader=request.user)
    return predictions.filter(own)


def may_delete(request: HttpRequest, prediction: Prediction) -> bool:
    """Its uploader may delete a prediction (the signed-in user, or the browser session it was
    uploaded from), and so may users with Django's delete permission; not whoever has the link."""
    user = request.user
    if user.has_perm("classifier.delete_prediction"):
        return True
    if user.is_authenticated and prediction.uploader_id == user.pk:
        return True
    return bool(prediction.visitor) and prediction.visitor == request.session.get(SESSION_KEY)
