"""The clients' connector logs and the audit trail of people's decisions (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from integrations.admin.paging import BigTableMixin
from integrations.models import AuditEntry, LogEntry


class ReadOnlyAdmin(BigTableMixin, admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "level", "client", "integration", "summary"]
    list_filter = ["level", "client"]
    search_fields = ["summary", "detail", "=record_id"]
    list_select_related = ["client", "integration__platform", "integration__client"]
    date_hierarchy = "created_at"


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "target_type", "target_repr", "client"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_repr", "=target_id", "actor__email"]
    list_select_related = ["actor", "client"]
