"""Admin for lead sources, their mappings and the lead-source review queue."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from mappings.admin.base import (
    ChooseTargetForm,
    QueueStatusFilter,
    ReviewActionsMixin,
    for_referring_mapping,
)
from mappings.admin.buttons import ReviewButtonsMixin
from mappings.admin.staff import ClientFilter, IntegrationFilter
from mappings.matching.lead_sources import lead_source_key
from mappings.models import LeadSource, LeadSourceMapping, LeadSourceReview, RemoteLeadSource
from mappings.selectors import QUEUE_STATUSES
from mappings.services.review import mapping_choose


@admin.register(RemoteLeadSource)
class RemoteLeadSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "active", "seen_in_roster", "external_id", "integration"]
    list_select_related = ["integration__platform"]
    search_fields = ["name", "external_id"]
    show_full_result_count = False
    readonly_fields = ["integration", "external_id", "created_at", "updated_at"]


class LeadSourceForm(forms.ModelForm):
    class Meta:
        model = LeadSource
        fields = ["client", "name", "external_id", "active"]

    def clean(self) -> dict:
        data = super().clean() or {}
        client, name = data.get("client"), data.get("name")
        if client and name:
            key = lead_source_key(name)
            clash = LeadSource.objects.filter(client=client, normalized_name=key)
            if clash.exclude(pk=self.instance.pk).exists():
                raise ValidationError("This client already has a lead source with that name.")
            self.instance.normalized_name = key
        return data


@admin.register(LeadSource)
class LeadSourceAdmin(admin.ModelAdmin):
    form = LeadSourceForm
    list_display = ["name", "active", "external_id", "client"]
    list_select_related = ["client"]
    search_fields = ["name", "external_id"]
    readonly_fields = ["normalized_name", "created_at"]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        queryset = for_referring_mapping(
            request, queryset, LeadSourceMapping, ("leadsourcereview", "leadsourcemapping")
        )
        return super().get_search_results(request, queryset, search_term)


class ChooseSourceForm(ChooseTargetForm):
    target_field = "lead_source"

    class Meta:
        model = LeadSourceMapping
        fields = ["lead_source"]
        labels = {"lead_source": "Choose another lead source"}


class LeadSourceMappingAdminBase(ReviewButtonsMixin, ReviewActionsMixin, admin.ModelAdmin):
    form = ChooseSourceForm
    change_form_template = "admin/mappings/review_change_form.html"
    list_display = ["remote", "integration", "status", "target", "score", "reason", "confirmed"]
    list_select_related = ["remote", "integration__platform", "lead_source", "suggestion"]
    search_fields = ["remote__name"]
    autocomplete_fields = ["lead_source"]
    show_full_result_count = False
    readonly_fields = [
        "remote",
        "integration",
        "status",
        "suggestion",
        "score",
        "reason",
        "method",
        "confirmed",
        "decided_by",
        "decided_at",
    ]
    fields = [*readonly_fields[:6], "lead_source", *readonly_fields[6:]]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="lead source (link or suggestion)")
    def target(self, obj: LeadSourceMapping) -> str:
        source = obj.lead_source or obj.suggestion
        return str(source) if source else "—"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        source = form.cleaned_data.get("lead_source")
        if source is None or "lead_source" not in form.changed_data:
            return
        try:
            mapping_choose(mapping=obj, target=source, acting_user=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), level="error")


@admin.register(LeadSourceMapping)
class LeadSourceMappingAdmin(LeadSourceMappingAdminBase):
    list_filter = [ClientFilter, IntegrationFilter, "status", "confirmed"]


@admin.register(LeadSourceReview)
class LeadSourceReviewAdmin(LeadSourceMappingAdminBase):
    list_display = ["remote", "integration", "target", "score", "reason", "decide"]
    list_filter = [ClientFilter, IntegrationFilter, QueueStatusFilter]

    class Media:
        css = {"all": ["review_queue.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(status__in=QUEUE_STATUSES)
