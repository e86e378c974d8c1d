"""A read-only field for the Client admin page: mapping counts with links to the queues."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from mappings.selectors import lead_source_mapping_counts, staff_mapping_counts


def mapping_counts_html(client_id: str) -> str:
    """'12 matched · 3 need review · 1 unmatched' for staff and lead sources, linked."""
    staff = staff_mapping_counts([client_id])[client_id]
    sources = lead_source_mapping_counts([client_id])[client_id]
    return format_html(
        "staff: {} matched · <a href='{}'><strong>{}</strong> need review · {} unmatched</a>"
        "<br>lead sources: {} matched · <a href='{}'><strong>{}</strong> need review · "
        "{} unmatched</a>",
        staff["matched"],
        reverse("admin:mappings_staffreview_changelist") + f"?client={client_id}",
        staff["needs_review"],
        staff["unmatched"],
        sources["matched"],
        reverse("admin:mappings_leadsourcereview_changelist") + f"?client={client_id}",
        sources["needs_review"],
        sources["unmatched"],
    )


class ClientMappingCountsMixin:
    """Mix into ClientAdmin and add "mapping_counts" to readonly_fields (two queries)."""

    @admin.display(description="mappings")
    def mapping_counts(self, obj) -> str:
        return mapping_counts_html(obj.pk) if obj and obj.pk else "—"
