"""Admin list pages that stay fast on big tables."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator

from integrations.db.admin import table_row_estimate


class EstimatedCountPaginator(Paginator):
    """Uses PostgreSQL's row estimate for unfiltered lists instead of a full COUNT(*)."""

    @cached_property
    def count(self) -> int:
        queryset: Any = self.object_list
        query = getattr(queryset, "query", None)
        if query is not None and not query.where:
            estimate = table_row_estimate(queryset)
            if estimate is not None and estimate > 10_000:
                return estimate
        return super().count


class BigTableMixin:
    """For admin classes of tables that grow to millions of rows."""

    show_full_result_count = False
    paginator: type[Paginator] = EstimatedCountPaginator
    list_per_page = 50
