"""Admin for remote staff, the staff directory, staff mappings and the staff review queue."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from mappings.admin.base import ChooseTargetForm, ReviewActionsMixin, referring_object_id, side
from mappings.models import RemoteStaff, StaffMapping, StaffPerson, StaffReview
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
        # The "choose another person" autocomplete offers the mapping's client's people only.
        for model_name in ("staffreview", "staffmapping"):
            mapping_id = referring_object_id(request, model_name)
            if mapping_id is not None:
                client_id = (
                    StaffMapping.objects.filter(pk=mapping_id)
                    .values_list("integration__client_id", flat=True)
                    .first()
                )
                queryset = queryset.filter(client_id=client_id)
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


class MappingAdminBase(ReviewActionsMixin, admin.ModelAdmin):
    form = ChooseForm
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="remote staff", ordering="remote__last_name")
    def remote_cell(self, obj: StaffMapping) -> str:
        r = obj.remote
        return side(r.full_name, r.email, r.active)

    @admin.display(description="integration", ordering="integration")
    def integration_cell(self, obj: StaffMapping) -> str:
        return f"{obj.integration.client_id} ↔ {obj.integration.platform.name}"

    @admin.display(description="directory person (link or suggestion)")
    def target_cell(self, obj: StaffMapping) -> str:
        p = obj.person or obj.suggestion
        if p is None:
            return "—"
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
    list_filter = [ClientFilter, IntegrationFilter, "status", "method", "confirmed"]


@admin.register(StaffReview)
class StaffReviewAdmin(MappingAdminBase):
    list_filter = [ClientFilter, IntegrationFilter, "status"]
    # Best suggestions first; unmatched rows (no score) last, on every database.
    ordering = ["integration_id", F("score").desc(nulls_last=True), "remote__last_name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(status__in=QUEUE_STATUSES)
