"""Where stored files live, and how the site links to them.

On one machine files live under ``MEDIA_ROOT``. With ``AWS_STORAGE_BUCKET_NAME`` set they live
in an S3-compatible bucket, and the links the site prints still point at its own media view
(``classifier.web.media``), which streams each file with the same rules as on disk: a bucket never
has to be reachable from a browser, and no file is ever public.
"""

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage


class PrivateS3Storage(S3Storage):
    """The bucket, linked through the site's media view instead of S3 URLs."""

    def url(self, name, parameters=None, expire=None, http_method=None) -> str:
        return f"{settings.MEDIA_URL}{filepath_to_uri(name)}"
