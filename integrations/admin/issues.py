"""Issues in the support admin: what is wrong, per client and integration, and its records."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from integrations.admin.paging import BigTableMixin
from integrations.admin.sync import ClientFilter
from integrations.models import Issue
from integrations.sync.issues.report import ROW_KINDS
from integrations.sync.issues.words import issues_words

ISSUE_FIELDS = ("words", "records", "client", "integration", "kind", "subject", "status",
                "affected", "seen", "detail", "first_seen_at", "last_seen_at", "resolved_at",
                "notified_at", "notified_lasting")


class IssueClientFilter(ClientFilter):
    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(client_id=self.value()) if self.value() else queryset


@admin.register(Issue)
class IssueAdmin(BigTableMixin, admin.ModelAdmin):
    list_display = ["kind", "client", "integration", "status", "affected", "seen",
                    "first_seen_at", "last_seen_at", "detail"]
    list_filter = ["status", "kind", IssueClientFilter]
    list_select_related = ["client", "integration__platform", "integration__client"]
    search_fields = ["detail"]
    ordering = ["-last_seen_at", "-id"]
    fields = ISSUE_FIELDS
    readonly_fields = ISSUE_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an issue resolves itself when its cause is gone

    @admin.display(description="what is wrong, and what fixes it")
    def words(self, obj: Issue) -> str:
        [words] = issues_words([obj])
        return format_html("<strong>{}</strong><br>{}", words.title, words.action)

    @admin.display(description="records")
    def records(self, obj: Issue) -> str:
        if obj.kind not in ROW_KINDS:
            return "—"
        url = reverse("admin:integrations_outboxrow_changelist")
        return format_html('<a href="{}?issue={}">The {} deliveries it holds up</a>', url,
                           obj.pk, obj.affected)
