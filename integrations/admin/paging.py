"""Admin list pages that stay fast on big tables."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db import connections


class EstimatedCountPaginator(Paginator):
    """Uses PostgreSQL's row estimate for unfiltered lists instead of a full COUNT(*)."""

    @cached_property
    def count(self) -> int:
        queryset: Any = self.object_list
        query = getattr(queryset, "query", None)
        if query is not None and not query.where:
            connection = connections[queryset.db]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                        [queryset.model._meta.db_table],
                    )
                    row = cursor.fetchone()
                if row and row[0] > 10_000:
                    return int(row[0])
        return super().count


class BigTableMixin:
    """For admin classes of tables that grow to millions of rows."""

    show_full_result_count = False
    paginator: type[Paginator] = EstimatedCountPaginator
    list_per_page = 50
