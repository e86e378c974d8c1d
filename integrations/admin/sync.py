"""Changes, deliveries (the outbox), sync runs, webhooks and idempotency keys."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import CharField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.urls import path, reverse
from django.utils.html import format_html

from integrations.admin.paging import BigTableMixin
from integrations.models import (
    Change,
    Client,
    ExternalLink,
    IdempotencyRecord,
    Integration,
    Member,
    OutboxRow,
    Prospect,
    SyncRun,
    WebhookEndpoint,
)
from integrations.outbound import UrlNotAllowed, validate_saved_url
from integrations.sync.delivery.resend import deliveries_discard, deliveries_retry
from integrations.sync.inbound.fetch import SyncNowError, integration_for_sync, sync_now
from integrations.sync.inbound.routing import feed_switch_lock


@admin.register(Change)
class ChangeAdmin(BigTableMixin, admin.ModelAdmin):
    list_display = ["id", "event_type", "record_id", "client", "source_integration", "created_at"]
    list_filter = ["event_type", "kind"]
    search_fields = ["=record_id"]
    list_select_related = ["client", "source_integration__platform", "source_integration__client"]
    readonly_fields = [f.name for f in Change._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the change log is kept: deliveries and the feed refer to it


class IssueFilter(admin.SimpleListFilter):
    """The deliveries of one issue (a link from the issue's page and the support home)."""

    title = "issue"
    parameter_name = "issue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        value = self.value()
        return [(value, f"issue #{value}")] if value else []

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = str(self.value() or "")
        if re.fullmatch(r"[0-9]{1,18}", value):
            return queryset.filter(issue_id=int(value))
        return queryset


class ClientFilter(admin.SimpleListFilter):
    """Deliveries of one client (by id: the client list can be long, so it is typed)."""

    title = "client"
    parameter_name = "client"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(client.pk, client.name) for client in Client.objects.order_by("name")[:50]]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(integration__client_id=self.value())
        return queryset


def _person(model: type[Prospect] | type[Member]) -> Subquery:
    name = Concat("first_name", Value(" "), "last_name", output_field=CharField())
    return Subquery(model.objects.filter(pk=OuterRef("record_id")).values_list(name)[:1])


def _external_id(kind: str, integration: Any) -> Subquery:
    links = ExternalLink.objects.filter(integration_id=integration,
                                        **{f"{kind}_id": OuterRef("record_id")})
    return Subquery(links.values_list("external_id")[:1])


# The sender of a delivery's change, inside the link's subquery: no join in the list's own
# query, which its filters (the distinct event types) read too.
_SENDER = Subquery(Change.objects.filter(pk=OuterRef(OuterRef("change_id")))
                   .values_list("source_integration_id")[:1])


@admin.register(OutboxRow)
class OutboxRowAdmin(BigTableMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "event_type",
        "record_link",
        "integration",
        "platform_ids",
        "status",
        "attempts",
        "next_attempt_at",
        "problem",
        "created_at",
    ]
    list_filter = ["status", ClientFilter, IssueFilter, "integration", "event_type"]
    search_fields = ["=record_id", "last_error"]
    list_select_related = ["integration__platform", "integration__client"]
    readonly_fields = [f.name for f in OutboxRow._meta.fields]
    actions = ["retry", "discard"]
    ordering = ["-id"]  # newest first (ids follow creation)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # nothing is deleted to forget it: discard instead

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        """Each row's person (its name now) and the platforms' ids of the record: a few
        index lookups per row shown, evaluated for the page's rows only."""
        return super().get_queryset(request).annotate(
            person=Coalesce(_person(Prospect), _person(Member)),
            destination_id=Coalesce(_external_id("prospect", OuterRef("integration_id")),
                                    _external_id("member", OuterRef("integration_id"))),
            source_id=Coalesce(_external_id("prospect", _SENDER),
                               _external_id("member", _SENDER)),
        )

    @admin.display(description="record")
    def record_link(self, obj: OutboxRow) -> str:
        url = reverse(f"admin:integrations_{obj.kind}_change", args=[obj.record_id])
        name = (getattr(obj, "person", "") or "").strip()
        return format_html('<a href="{}">{}</a>', url,
                           name or f"{obj.kind} {str(obj.record_id)[:8]} (no name)")

    @admin.display(description="the platforms' ids")
    def platform_ids(self, obj: OutboxRow) -> str:
        there = getattr(obj, "destination_id", None)
        came = getattr(obj, "source_id", None)
        parts = [f"{obj.integration.platform.name}: {there or 'not yet'}"]
        if came:
            parts.append(f"from: {came}")
        return " · ".join(parts)

    @admin.display(description="error / hold reason")
    def problem(self, obj: OutboxRow) -> str:
        return (obj.last_error or obj.hold_reason)[:120]

    @admin.action(description="Send the selected deliveries again")
    def retry(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = deliveries_retry(row_ids=list(queryset.values_list("pk", flat=True)),
                                 acting_user=request.user)
        self.message_user(request, f"{count} deliveries queued again (failed, held or "
                          "discarded ones; others were left as they were).", messages.SUCCESS)

    @admin.action(description="Discard the selected deliveries")
    def discard(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = deliveries_discard(row_ids=list(queryset.values_list("pk", flat=True)),
                                   acting_user=request.user)
        self.message_user(request, f"{count} deliveries discarded (delivered ones and those "
                          "being sent were left as they were).", messages.SUCCESS)

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.sync_now_view)
        return [
            path("sync-now/<int:integration_id>/", view, name="integrations_sync_now"),
            *super().get_urls(),
        ]

    def sync_now_view(self, request: HttpRequest, integration_id: int) -> HttpResponse:
        """POST: queue an immediate fetch of the integration, back to its page."""
        back = reverse("admin:integrations_integration_change", args=[integration_id])
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("integrations.change_integration"):
            raise PermissionDenied
        integration = Integration.objects.filter(pk=integration_id).first()
        if integration is None:
            raise Http404
        try:
            integration = integration_for_sync(
                client_id=integration.client_id, platform_slug=integration.platform.slug
            )
        except SyncNowError as error:
            self.message_user(request, f"Not queued: {error}.", messages.ERROR)
            return HttpResponseRedirect(back)
        sync_now(integration=integration)
        self.message_user(request, f"Fetch of {integration} queued: staff, lead sources and "
                          "changed records arrive in a moment (see Sync runs).", messages.SUCCESS)
        return HttpResponseRedirect(back)


def sync_now_button(integration: Integration) -> str:
    """The "Sync now" button for the integration's admin page (a readonly field)."""
    if integration is None or not integration.pk or integration.mode != "api":
        return "—"
    url = reverse("admin:integrations_sync_now", args=[integration.pk])
    return format_html(
        '<button type="submit" formaction="{}" formmethod="post" '
        'class="button">Sync now</button>',
        url,
    )


@admin.register(SyncRun)
class SyncRunAdmin(BigTableMixin, admin.ModelAdmin):
    list_display = ["started_at", "integration", "kind", "status", "counts_words", "finished_at",
                    "error"]
    list_filter = ["kind", "status", "integration__platform", "integration__client"]
    list_select_related = ["integration__platform", "integration__client"]
    readonly_fields = [f.name for f in SyncRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="counts")
    def counts_words(self, obj: SyncRun) -> str:
        return ", ".join(f"{key.replace('_', ' ')}: {value}"
                         for key, value in sorted((obj.counts or {}).items())) or "—"


class WebhookEndpointAdminForm(forms.ModelForm):
    # Plain text: the one URL check says what is wrong, as on the client pages and the API.
    url = forms.CharField(max_length=500, label="URL")

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            validate_saved_url(url)
        except UrlNotAllowed as exc:
            raise ValidationError(exc.message) from None
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointAdminForm
    list_display = ["integration", "url", "active", "updated_at"]
    list_filter = ["active"]
    list_select_related = ["integration__platform", "integration__client"]
    fields = ["integration", "url", "active", "created_at", "updated_at"]
    readonly_fields = ["integration", "created_at", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Partners register their webhook through the API, which shows the secret once.
        return False

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool):
        if "active" in form.changed_data:  # the partner moves to or from the feed
            feed_switch_lock(integration_id=obj.integration_id)
        super().save_model(request, obj, form, change)


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
