"""Changes, deliveries (the outbox), sync runs, webhooks and idempotency keys."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from integrations.admin.paging import BigTableMixin
from integrations.models import Change, IdempotencyRecord, OutboxRow, SyncRun, WebhookEndpoint


@admin.register(Change)
class ChangeAdmin(BigTableMixin, admin.ModelAdmin):
    list_display = ["id", "event_type", "record_id", "client", "source_integration", "created_at"]
    list_filter = ["event_type", "kind"]
    search_fields = ["=record_id"]
    list_select_related = ["client", "source_integration__platform", "source_integration__client"]
    readonly_fields = [f.name for f in Change._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(OutboxRow)
class OutboxRowAdmin(BigTableMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "event_type",
        "integration",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
    ]
    list_filter = ["status", "event_type", "integration__platform"]
    search_fields = ["=record_id", "last_error"]
    list_select_related = ["integration__platform", "integration__client"]
    readonly_fields = [f.name for f in OutboxRow._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SyncRun)
class SyncRunAdmin(BigTableMixin, admin.ModelAdmin):
    list_display = ["started_at", "integration", "kind", "status", "counts", "finished_at"]
    list_filter = ["kind", "status", "integration__platform"]
    list_select_related = ["integration__platform", "integration__client"]
    readonly_fields = [f.name for f in SyncRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["integration", "url", "active", "updated_at"]
    list_filter = ["active"]
    list_select_related = ["integration__platform", "integration__client"]
    fields = ["integration", "url", "active", "created_at", "updated_at"]
    readonly_fields = ["integration", "created_at", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Partners register their webhook through the API, which shows the secret once.
        return False


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(BigTableMixin, admin.ModelAdmin):
    list_display = ["key", "platform", "response_status", "created_at", "completed_at"]
    list_filter = ["platform"]
    search_fields = ["=key"]
    list_select_related = ["platform"]
    exclude = ["response_body"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in IdempotencyRecord._meta.fields if f.name != "response_body"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
