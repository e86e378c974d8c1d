"""Admin for remote staff, the staff directory, staff mappings and the staff review queue."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from integrations.models import Prospect
from mappings.admin.base import (
    ChooseTargetForm,
    QueueStatusFilter,
    ReviewActionsMixin,
    for_referring_mapping,
    side,
)
from mappings.admin.buttons import ReviewButtonsMixin
from mappings.models import MappingMethod, RemoteStaff, StaffMapping, StaffPerson, StaffReview
from mappings.selectors import QUEUE_STATUSES, staff_mapping_candidates
from mappings.services.directory import staff_person_save
from mappings.services.review import mapping_choose


class ClientFilter(admin.SimpleListFilter):
    """Clients that have rows in this list (one query)."""

    title = "client"
    parameter_name = "client"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        ids = (
            model_admin.get_queryset(request)
            .order_by("integration__client_id")
            .values_list("integration__client_id", flat=True)
            .distinct()
        )
        return [(client_id, client_id) for client_id in ids]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(integration__client_id=self.value()) if self.value() else queryset


class IntegrationFilter(admin.SimpleListFilter):
    """Integrations with rows in this list, of the chosen client when one is chosen."""

    title = "integration"
    parameter_name = "integration"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        queryset = model_admin.get_queryset(request)
        client_id = request.GET.get("client")
        if client_id:
            queryset = queryset.filter(integration__client_id=client_id)
        rows = (
            queryset.order_by("integration__client_id", "integration__platform__name")
            .values_list("integration_id", "integration__client_id", "integration__platform__name")
            .distinct()
        )
        return [(str(pk), f"{client} ↔ {platform}") for pk, client, platform in rows]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(integration_id=self.value()) if self.value() else queryset


def _shown(request: HttpRequest, model_admin: Any) -> QuerySet:
    """The admin's rows, of the chosen client and integration when they are chosen."""
    queryset = model_admin.get_queryset(request).order_by()
    if request.GET.get("client"):
        queryset = queryset.filter(integration__client_id=request.GET["client"])
    if request.GET.get("integration", "").isdigit():
        queryset = queryset.filter(integration_id=request.GET["integration"])
    return queryset


class ListedFilter(admin.SimpleListFilter):
    """Staff the partner listed, or only named as an owner (a placeholder)."""

    title = "listed by the partner"
    parameter_name = "listed"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        # Only what the list holds; with one kind only there is nothing to filter.
        present = set(
            _shown(request, model_admin).values_list("remote__seen_in_roster", flat=True).distinct()
        )
        if len(present) < 2:
            return []
        return [("yes", "listed"), ("no", "unknown to us (only named on records)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("yes", "no"):
            return queryset.filter(remote__seen_in_roster=self.value() == "yes")
        return queryset


class PresentMethodFilter(admin.SimpleListFilter):
    """Only the methods the list's mappings have (one query), not every choice there is."""

    title = "method"
    parameter_name = "method__exact"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        labels = dict(MappingMethod.choices)
        present = (
            _shown(request, model_admin)
            .exclude(method="")
            .order_by("method")
            .values_list("method", flat=True)
            .distinct()
        )
        return [(m, labels.get(m, m)) for m in present]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(method=self.value()) if self.value() else queryset


def _leads_named(remote_field: str) -> Coalesce:
    """How many leads name a placeholder remote staff as their owner (indexed look-up)."""
    leads = (
        Prospect.objects.filter(staff_owner_id=OuterRef(remote_field))
        .order_by()
        .values("staff_owner_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(leads, output_field=IntegerField()), 0)


def unknown_staff(remote: RemoteStaff, named_on: int | None) -> str:
    """An owner the partner named but never listed: what support staff need to know."""
    leads = f"{named_on} lead{'' if named_on == 1 else 's'}"
    known = " · ".join(part for part in (remote.full_name, remote.email) if part)
    return format_html(
        '<span class="unknown-staff">unknown to us: {}, named on {}</span>{}',
        remote.external_id,
        leads,
        format_html("<br><small>as {}</small>", known) if known else "",
    )


@admin.register(RemoteStaff)
class RemoteStaffAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email", "active", "seen_in_roster", "external_id", "integration"]
    list_filter = [ClientFilter, IntegrationFilter, "active", "seen_in_roster"]
    list_select_related = ["integration__platform"]
    search_fields = ["first_name", "last_name", "email", "external_id"]
    show_full_result_count = False
    readonly_fields = ["integration", "external_id", "created_at", "updated_at"]


@admin.register(StaffPerson)
class StaffPersonAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email", "active", "external_id", "client"]
    list_filter = ["active"]
    list_select_related = ["client"]
    search_fields = ["first_name", "last_name", "email", "external_id"]
    show_full_result_count = False
    readonly_fields = ["created_at", "updated_at"]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        queryset = for_referring_mapping(
            request, queryset, StaffMapping, ("staffreview", "staffmapping")
        )
        return super().get_search_results(request, queryset, search_term)

    def save_model(self, request: HttpRequest, obj: StaffPerson, form: Any, change: bool) -> None:
        staff_person_save(person=obj, acting_user=request.user, changed=list(form.changed_data))


class ChooseForm(ChooseTargetForm):
    """Choose another person: validated by the review service's own check."""

    target_field = "person"

    class Meta:
        model = StaffMapping
        fields = ["person"]
        labels = {"person": "Choose another person"}


class MappingAdminBase(ReviewButtonsMixin, ReviewActionsMixin, admin.ModelAdmin):
    form = ChooseForm
    change_form_template = "admin/mappings/review_change_form.html"
    list_display = [
        "remote_cell",
        "integration_cell",
        "status",
        "target_cell",
        "score",
        "reason",
        "confirmed",
    ]
    list_select_related = ["remote", "integration__platform", "person", "suggestion"]
    search_fields = ["remote__first_name", "remote__last_name", "remote__email"]
    autocomplete_fields = ["person"]
    show_full_result_count = False
    list_per_page = 50
    readonly_fields = [
        "remote_cell",
        "integration_cell",
        "status",
        "suggestion_cell",
        "score",
        "reason",
        "method",
        "confirmed",
        "decided_by",
        "decided_at",
        "candidates",
    ]
    fields = [
        "remote_cell",
        "integration_cell",
        "status",
        "suggestion_cell",
        "score",
        "reason",
        "candidates",
        "person",
        "method",
        "confirmed",
        "decided_by",
        "decided_at",
    ]

    class Media:
        css = {"all": ["review_queue.css"]}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(named_on=_leads_named("remote_id"))

    @admin.display(description="remote staff", ordering="remote__last_name")
    def remote_cell(self, obj: StaffMapping) -> str:
        r = obj.remote
        if not r.seen_in_roster:
            return unknown_staff(r, getattr(obj, "named_on", None) or 0)
        return side(r.full_name, r.email, r.active)

    @admin.display(description="score", ordering="score")
    def score_cell(self, obj: StaffMapping) -> str:
        return "—" if obj.score is None else f"{obj.score:.2f}"

    @admin.display(description="reason")
    def reason_cell(self, obj: StaffMapping) -> str:
        return obj.reason or "—"

    @admin.display(description="integration", ordering="integration")
    def integration_cell(self, obj: StaffMapping) -> str:
        return f"{obj.integration.client_id} ↔ {obj.integration.platform.name}"

    @admin.display(description="directory person")
    def target_cell(self, obj: StaffMapping) -> str:
        p = obj.person or obj.suggestion
        if p is None:
            return "no suggestion" if obj.status == "unmatched" else "—"
        return side(p.full_name, p.email, p.active)

    @admin.display(description="suggestion")
    def suggestion_cell(self, obj: StaffMapping) -> str:
        p = obj.suggestion
        return side(p.full_name, p.email, p.active) if p else "—"

    @admin.display(description="candidates")
    def candidates(self, obj: StaffMapping) -> str:
        rows = staff_mapping_candidates(mapping=obj)
        if not rows:
            return "no likely candidates in the directory"
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    c["person"].full_name,
                    c["person"].email or "—",
                    "active" if c["person"].active else "inactive",
                    f"{c['score']:.2f}",
                    c["reason"],
                )
                for c in rows
            ),
        )
        return format_html(
            "<table><tr><th>name</th><th>email</th><th>status</th><th>score</th>"
            "<th>reason</th></tr>{}</table>",
            body,
        )

    def save_model(self, request: HttpRequest, obj: StaffMapping, form: Any, change: bool) -> None:
        person = form.cleaned_data.get("person")
        if person is None or "person" not in form.changed_data:
            return
        try:
            mapping_choose(mapping=obj, target=person, acting_user=request.user)
        except ValidationError as exc:  # raced with another decision since the form was shown
            self.message_user(request, " ".join(exc.messages), level="error")


@admin.register(StaffMapping)
class StaffMappingAdmin(MappingAdminBase):
    list_filter = [ClientFilter, IntegrationFilter, "status", PresentMethodFilter, "confirmed"]


@admin.register(StaffReview)
class StaffReviewAdmin(MappingAdminBase):
    # What a person needs to decide, in a row that fits at 1280 px: who, the suggestion, its
    # score and reason, and the buttons (status: the suggestion cell says "no suggestion").
    list_display = [
        "remote_cell",
        "integration_cell",
        "target_cell",
        "score_cell",
        "reason_cell",
        "decide",
    ]
    list_filter = [ClientFilter, IntegrationFilter, QueueStatusFilter, ListedFilter]
    # Best suggestions first; unmatched rows (no score) last, on every database.
    ordering = ["integration_id", F("score").desc(nulls_last=True), "remote__last_name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(status__in=QUEUE_STATUSES)
