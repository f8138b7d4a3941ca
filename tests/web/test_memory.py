"""The served site freezes what its process holds once its first request is served, so the
collector's full passes walk only what later requests make (classifier.web.memory)."""

import gc
import importlib

import pytest
from django.core.signals import request_finished

from classifier.web import memory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unfrozen():
    """The test process as it was: nothing frozen, no freeze waiting, before and after."""
    gc.unfreeze()
    yield
    request_finished.disconnect(dispatch_uid=memory._UID)
    gc.unfreeze()


def test_the_served_site_freezes_once_after_its_first_request(unfrozen, client):
    import athletes_site.wsgi

    importlib.reload(athletes_site.wsgi)  # as gunicorn's worker loads it
    assert gc.get_freeze_count() == 0

    client.get("/healthz/")
    frozen = gc.get_freeze_count()
    client.get("/healthz/")

    assert frozen > 10_000  # Django, the apps, the URLs: what stays for the process's life
    assert gc.get_freeze_count() <= frozen  # later requests freeze nothing more
