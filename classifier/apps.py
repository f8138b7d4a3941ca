from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.core.management import call_command
from django.db.models.signals import post_migrate

from ml.threads import limit_blas_to_one_thread


def create_cache_table(using: str = "default", **kwargs) -> None:
    """The database cache's table (upload counts, when no CACHE_URL is set), made by migrate,
    so no deployment step can be forgotten; does nothing when it exists or the cache is Redis."""
    call_command("createcachetable", database=using, verbosity=0)


class ClassifierConfig(AppConfig):
    name = "classifier"
    verbose_name = "Athlete classifier"

    def ready(self) -> None:
        from classifier.pages.accounts import claim_session_uploads

        limit_blas_to_one_thread()  # the web, the worker and its pool children alike
        post_migrate.connect(create_cache_table, sender=self)
        user_logged_in.connect(claim_session_uploads)
