"""Prospects, members and their external-id links in the support admin."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from integrations.admin.clients import admin_link
from integrations.admin.paging import BigTableMixin
from integrations.admin.people import people_of, person_cell
from integrations.models import Client, ExternalLink, Integration, Member, Prospect
from integrations.records.shape import record_shape
from integrations.records.values import MISSING, FieldError, external_id_problem
from integrations.services.erasure import records_erase
from integrations.services.people import records_merge
from integrations.sync.journey import record_trace, trace_counts

RECORD_READONLY = [
    "id",
    "erased_at",
    "client",
    "source_integration",
    "source_updated_at",
    "version",
    "created_at",
    "updated_at",
    "staff_owner",
    "lead_source",
]


LINK_FIELDS = ["integration", "external_id", "created_at"]


class RecordAdminForm(forms.ModelForm):
    """The record's fields checked and normalized as the partner API and fetching do
    (each field's `normalize`): what support staff save follows the same rules, and a value
    they may not take is a field error on the form."""

    kind = "prospect"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        errors: list[FieldError] = []
        # As record_normalize: a phone is read in the country of the address as normalized.
        fields = sorted(record_shape(self.kind).fields, key=lambda f: f.reads_region)
        for field in fields:
            name = field.attname  # type: ignore[attr-defined]
            if name not in data or name in self.errors:
                continue
            address = data.get("address")
            country = address.get("country") if isinstance(address, dict) else ""
            region = country or settings.CONNECTOR_DEFAULT_PHONE_REGION
            sent = None if data[name] is None else field.to_json(data[name])
            normalized = field.normalize(sent, name, errors, region)
            if normalized is not MISSING and normalized is not None:
                data[name] = normalized
        for error in errors:
            self.add_error(error["field"].split(".")[0], error["message"])
        return data


class ExternalLinkAdminForm(forms.ModelForm):
    def clean_external_id(self) -> str:
        external_id = self.cleaned_data["external_id"]
        problem = external_id_problem(external_id)
        if problem:
            raise forms.ValidationError(problem)
        return external_id


class ExternalLinkInline(admin.TabularInline):
    model = ExternalLink
    fields = [*LINK_FIELDS]
    readonly_fields = LINK_FIELDS
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("integration__platform")


class ErasedFilter(admin.SimpleListFilter):
    title = "erased"
    parameter_name = "erased"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "Not erased"), ("yes", "Erased")]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() in ("yes", "no"):
            return queryset.filter(erased_at__isnull=self.value() == "no")
        return queryset


class RecordAdmin(BigTableMixin, admin.ModelAdmin):
    list_display = ["__str__", "email", "client", "source", "created"]
    list_filter = ["client"]
    search_fields = ["email", "last_name", "id", "external id"]  # see get_search_results
    list_select_related = ["client", "source_integration__platform"]
    readonly_fields = [*RECORD_READONLY, "journey"]
    inlines = [ExternalLinkInline]
    change_form_template = "admin/integrations/record_change_form.html"

    search_help_text = "An email, the start of a last name, a Connector id or an external id."
    actions = ["merge_selected", "erase_selected"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A delete would leave the person in every change snapshot and log line: erase them.
        return False

    @admin.action(description="Merge the two selected records (one person entered twice)")
    def merge_selected(self, request: HttpRequest, queryset: Any) -> TemplateResponse | None:
        """Asks which record stays first; then merges the other into it (undo is in the
        possible duplicates queue)."""
        records = list(queryset.order_by("pk")[:3])
        if len(records) != 2:
            self.message_user(request, "Select exactly two records to merge.", messages.ERROR)
            return None
        kind = "prospect" if self.model is Prospect else "member"
        stays = request.POST.get("survivor")
        if stays not in {str(r.pk) for r in records}:
            people = people_of({(kind, r.pk) for r in records})
            context = {
                **self.admin_site.each_context(request),
                "title": "Merge these two records?",
                "records": [(r, person_cell(people.get(str(r.pk)))) for r in records],
                "opts": self.model._meta,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
                "selected": [str(r.pk) for r in records],
            }
            return TemplateResponse(request, "admin/integrations/merge_confirmation.html", context)
        survivor, other = sorted(records, key=lambda r: str(r.pk) != stays)
        try:
            review = records_merge(survivor=survivor, other=other, acting_user=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return None
        self.message_user(
            request,
            format_html('Merged: {} into {}. <a href="{}">Undo it from the queue</a>.',
                        other.pk, survivor.pk, admin_url(review)),
            messages.SUCCESS,
        )
        return None

    @admin.action(description="Erase the selected people everywhere (right to be forgotten)")
    def erase_selected(self, request: HttpRequest, queryset: Any) -> TemplateResponse | None:
        """Asks for confirmation first; then erases each, tells every platform, reports."""
        if request.POST.get("confirmed") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": "Erase these people everywhere?",
                "records": list(queryset.filter(erased_at__isnull=True)[:200]),
                "count": queryset.filter(erased_at__isnull=True).count(),
                "opts": self.model._meta,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
                "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            }
            return TemplateResponse(request, "admin/integrations/erase_confirmation.html", context)
        erased = records_erase(records=list(queryset), acting_user=request.user)
        self.message_user(
            request,
            f"Erased {erased} {'person' if erased == 1 else 'people'}; every platform that "
            "holds them is told. Those already erased were left as they were.",
            messages.SUCCESS,
        )
        return None

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        """Search by what the term looks like, each through an index: an email (exact), a
        Connector id, or else the start of a last name; and in every case an external id.

        One condition per shape rather than all of them OR-ed: an OR with the last-name
        prefix (which no index serves) made every search read the whole table."""
        term = search_term.strip()
        if not term:
            return queryset, False
        kind = "prospect" if self.model is Prospect else "member"
        # Through the unique (integration, kind, external_id) index, one probe per
        # integration: a lookup by external id alone would read every link.
        integrations = list(Integration.objects.values_list("pk", flat=True))
        linked = list(
            ExternalLink.objects.filter(
                integration_id__any=integrations, kind=kind, external_id=term
            ).values_list(f"{kind}_id", flat=True)
        )
        condition = Q(pk__in=linked)
        if "@" in term:  # through the (client, email) index, one probe per client
            clients = list(Client.objects.values_list("pk", flat=True))
            condition |= Q(client_id__any=clients, email=term.lower()) & ~Q(email="")
        else:
            try:
                condition |= Q(pk=uuid.UUID(term))
            except ValueError:
                condition |= Q(last_name__istartswith=term)
        return queryset.filter(condition), False

    @admin.display(description="created at", ordering="id")  # ids are time-ordered (UUIDv7)
    def created(self, obj: Prospect | Member) -> Any:
        return obj.created_at

    def get_list_filter(self, request: HttpRequest) -> Any:
        return [*super().get_list_filter(request), ErasedFilter]

    @admin.display(description="received from", ordering="source_integration")
    def source(self, obj: Prospect | Member) -> str:
        integration = obj.source_integration
        return integration.platform.name if integration else "—"

    @admin.display(description="journey")
    def journey(self, obj: Prospect | Member) -> str:
        """Every change to the record and where it went: the trace is below the form."""
        return "Every change received, each delivery and each of its attempts: see below."

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> Any:
        extra_context = dict(extra_context or {})
        extra_context["trace"] = _record_trace(self.model, object_id)
        extra_context["trace_counts"] = trace_counts(extra_context["trace"])
        return super().change_view(request, object_id, form_url, extra_context)


def admin_url(obj: Any) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def _record_trace(model: type, object_id: str) -> list[dict]:
    """The record's hops (received, delivered) for the change page."""
    kind = "prospect" if model is Prospect else "member"
    try:
        return record_trace(kind=kind, record_id=object_id)
    except (ValueError, LookupError):
        return []


SYNC_FIELDSET: Any = (
    "Sync",
    {
        "fields": [
            "id", "client", "source_integration", "source_updated_at", "version", "journey",
            "erased_at", "created_at", "updated_at",
        ]
    },
)


def record_fieldsets(kind: str) -> list[Any]:
    """The record's fields as the model declares them (`records.shape`), then the sync state."""
    person = list(record_shape("prospect").names)
    membership = [name for name in record_shape(kind).names if name not in person]
    fieldsets: list[Any] = [(None, {"fields": [*person, "staff_owner", "lead_source"]})]
    if membership:
        fieldsets.append(("Membership", {"fields": [*membership, "prospect"]}))
    return [*fieldsets, SYNC_FIELDSET]


class ProspectAdminForm(RecordAdminForm):
    kind = "prospect"


class MemberAdminForm(RecordAdminForm):
    kind = "member"


@admin.register(Prospect)
class ProspectAdmin(RecordAdmin):
    form = ProspectAdminForm
    fieldsets = record_fieldsets("prospect")


@admin.register(Member)
class MemberAdmin(RecordAdmin):
    list_display = [
        *RecordAdmin.list_display[:2], "status", "membership_number", "client", "source",
        "created",
    ]
    list_filter = ["status", "is_secondary", "client"]
    readonly_fields = [*RecordAdmin.readonly_fields, "prospect"]
    form = MemberAdminForm
    fieldsets = record_fieldsets("member")


@admin.register(ExternalLink)
class ExternalLinkAdmin(BigTableMixin, admin.ModelAdmin):
    form = ExternalLinkAdminForm
    list_display = ["external_id", "kind", "integration", "record", "created_at"]
    list_filter = ["kind", "integration__platform"]
    search_fields = ["=external_id"]
    list_select_related = ["integration__client", "integration__platform", "prospect", "member"]
    raw_id_fields = ["prospect", "member"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["integration"]

    @admin.display(description="record")
    def record(self, obj: ExternalLink) -> str:
        return admin_link(obj.prospect or obj.member)
