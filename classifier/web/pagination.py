"""Pages of a long history: the page's keys first, then its rows.

``OFFSET n`` makes the database step over n rows. Stepping over keys in an index that holds
them (the history's indexes include the id, see ``Prediction.Meta.indexes``) costs little;
stepping over whole rows in the table costs a read of each. So a page is found as the ids at
that offset, and only those rows are then read, in the same order.
"""

from typing import cast

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination


class KeysFirstPaginator(Paginator):
    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = cast(QuerySet, self.object_list)
        keys = list(rows.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        return Page(list(rows.filter(pk__in=keys)), number, self)


class KeysFirstPagination(PageNumberPagination):
    """The API's page-numbered lists, with pages found keys first."""

    django_paginator_class = KeysFirstPaginator
