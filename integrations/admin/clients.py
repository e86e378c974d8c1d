"""Clients, platforms, integrations and partner API keys in the support admin."""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from integrations.admin.launches import launch_preview
from integrations.admin.sync import sync_now_button
from integrations.models import ApiKey, Client, Integration, Platform
from integrations.models.logs import audit_record
from integrations.services.launch import (
    IntegrationOptions,
    api_key_issue,
    api_key_revoke,
    integration_set_credentials,
    validate_options,
)
from integrations.sync.inbound.routing import feed_switch_lock
from mappings.admin.client_counts import mapping_counts_html


def admin_link(obj: Any, text: str | None = None) -> str:
    """A link to an object's change page in the admin."""
    if obj is None:
        return "—"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text or str(obj))


INLINE_FIELDS = ["link", "direction", "data", "mode", "enabled", "is_primary", "last_success_at"]


class IntegrationInline(admin.TabularInline):
    model = Integration
    fields = [*INLINE_FIELDS]
    readonly_fields = INLINE_FIELDS
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="platform")
    def link(self, obj: Integration) -> str:
        return admin_link(obj, obj.platform.name)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Integration]:
        return super().get_queryset(request).select_related("platform")


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "integration_count", "staff_mapping_summary", "created_at"]
    search_fields = ["id", "name"]
    readonly_fields = ["created_at", "mapping_counts"]
    inlines = [IntegrationInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The id is the client's stable id in the partner API: set once, at launch.
        return [*self.readonly_fields, "id"] if obj else self.readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Client]:
        # One query for the whole list; the primary's own staff are the directory, not mappings.
        mappings = "integrations__staff_mappings"
        others = Q(integrations__is_primary=False)

        def count(status: str) -> Count:
            return Count(mappings, filter=others & Q(**{f"{mappings}__status": status}))

        return (
            super()
            .get_queryset(request)
            .annotate(
                integration_total=Count("integrations", distinct=True),
                staff_matched=count("matched"),
                staff_review=count("needs_review"),
                staff_unmatched=count("unmatched"),
            )
        )

    @admin.display(description="integrations", ordering="integration_total")
    def integration_count(self, obj: Client) -> int:
        return getattr(obj, "integration_total", 0)

    @admin.display(description="staff mappings", ordering="-staff_review")
    def staff_mapping_summary(self, obj: Client) -> str:
        return format_html(
            "{} matched · <strong>{}</strong> need review · {} unmatched",
            obj.staff_matched,  # type: ignore[attr-defined]  # annotated by get_queryset
            obj.staff_review,  # type: ignore[attr-defined]
            obj.staff_unmatched,  # type: ignore[attr-defined]
        )

    @admin.display(description="mappings")
    def mapping_counts(self, obj: Client) -> str:
        return mapping_counts_html(obj.pk) if obj.pk else "—"

    def save_model(self, request: HttpRequest, obj: Client, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="client.change" if change else "client.launch",
            target=obj,
            client=obj,
            new={k: str(form.cleaned_data.get(k)) for k in form.changed_data},
        )


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "adapter",
        "can_create_lead_sources",
        "has_staff",
        "has_lead_sources",
    ]
    list_filter = ["adapter", "can_create_lead_sources"]
    search_fields = ["slug", "name"]
    readonly_fields = ["created_at"]

    def save_model(self, request: HttpRequest, obj: Platform, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="platform.change" if change else "platform.add",
            target=obj,
            new={k: str(form.cleaned_data.get(k)) for k in form.changed_data},
        )


GENERAL_FIELDS = ["client", "platform", "enabled", "is_primary"]
OPTION_FIELDS = [
    "direction", "data", "staff_owner", "lead_source", "unmatched_owner", "default_staff",
    "default_lead_source_name", "include_conversions", "include_secondary_members",
    "prospect_review", "member_review",
]


class IntegrationAdminForm(forms.ModelForm):
    # Plain text: the one URL check (`validate_options`) says what is wrong, in the words the
    # client pages use, rather than a URLField's own.
    base_url = forms.CharField(required=False, max_length=500, label="Base URL")
    new_credentials = forms.CharField(
        required=False,
        label="Credentials",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="API token of the platform. Leave empty to keep the saved one.",
    )

    class Meta:
        model = Integration
        fields = [*GENERAL_FIELDS, *OPTION_FIELDS, "mode", "base_url", "fetch_interval_minutes"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        platform = data.get("platform")
        if platform is None:
            return data
        options = IntegrationOptions(
            direction=data.get("direction") or "",
            data=data.get("data") or "",
            staff_owner=bool(data.get("staff_owner")),
            lead_source=bool(data.get("lead_source")),
            is_primary=bool(data.get("is_primary")),
            mode=data.get("mode") or "",
            base_url=data.get("base_url") or "",
            unmatched_owner=data.get("unmatched_owner") or "",
        )
        errors = validate_options(options, platform)
        if (
            data.get("is_primary")
            and data.get("client")
            and Integration.objects.filter(client=data["client"], is_primary=True)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            errors["is_primary"] = "This client already has a primary integration."
        default_staff = data.get("default_staff")
        if default_staff is not None and default_staff.integration_id != self.instance.pk:
            errors["default_staff"] = "Choose a staff member of this integration's platform."
        if errors:
            raise ValidationError({field: message for field, message in errors.items()})
        return data


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    form = IntegrationAdminForm
    actions = [launch_preview]
    list_display = [
        "__str__",
        "client_link",
        "platform",
        "direction",
        "data",
        "mode",
        "enabled",
        "is_primary",
        "last_success_at",
    ]
    list_filter = ["platform", "direction", "data", "mode", "enabled", "is_primary"]
    search_fields = ["client__id", "client__name", "platform__name", "platform__slug"]
    list_select_related = ["client", "platform"]
    autocomplete_fields = ["client", "platform", "default_staff"]
    readonly_fields = [
        "sync_now",
        "saved_credentials",
        "fetch_cursor",
        "last_fetch_at",
        "last_success_at",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": [*GENERAL_FIELDS]}),
        ("Options", {"fields": [*OPTION_FIELDS]}),
        (
            "Connection",
            {
                "fields": [
                    "mode",
                    "base_url",
                    "saved_credentials",
                    "new_credentials",
                    "fetch_interval_minutes",
                    "sync_now",
                ]
            },
        ),
        (
            "Sync state",
            {
                "fields": [
                    "fetch_cursor",
                    "last_fetch_at",
                    "last_success_at",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    @admin.display(description="fetch now")
    def sync_now(self, obj: Integration) -> str:
        """Queues an immediate fetch of staff, lead sources and records (api integrations)."""
        return sync_now_button(obj)

    @admin.display(description="client", ordering="client__name")
    def client_link(self, obj: Integration) -> str:
        return admin_link(obj.client)

    @admin.display(description="saved credentials")
    def saved_credentials(self, obj: Integration) -> str:
        if not obj.pk or not obj.credentials:
            return "none"
        return f"saved ●●●● {obj.credentials_hint}" if obj.credentials_hint else "saved"

    def save_model(self, request: HttpRequest, obj: Integration, form: Any, change: bool) -> None:
        new_credentials = form.cleaned_data.get("new_credentials")
        if new_credentials:
            integration_set_credentials(integration=obj, credentials=new_credentials)
        if change and "mode" in form.changed_data:
            # To or from `api`: whether it reads the feed changes (ingest decides by it).
            feed_switch_lock(integration_id=obj.pk)
        super().save_model(request, obj, form, change)
        changed = [f for f in form.changed_data if f != "new_credentials"]
        audit_record(
            actor=request.user,
            action="integration.change" if change else "integration.create",
            target=obj,
            client=obj.client_id,
            new={
                **{k: str(form.cleaned_data.get(k)) for k in changed},
                **({"credentials": "replaced"} if new_credentials else {}),
            },
        )


class ApiKeyAdminForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["platform", "name"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyAdminForm
    list_display = ["prefix", "platform", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["platform", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["prefix", "name", "platform__name"]
    list_select_related = ["platform"]
    autocomplete_fields = ["platform"]
    actions = ["revoke"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # From save_model to response_add of the same request: the raw key lives nowhere else.
        self._issued: WeakKeyDictionary[HttpRequest, str] = WeakKeyDictionary()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return ["platform", "prefix", "created_at", "last_used_at", "revoked_at"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        if obj is None:
            return ["platform", "name"]
        return ["platform", "name", "prefix", "created_at", "last_used_at", "revoked_at"]

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        issued, raw_key = api_key_issue(
            platform=obj.platform, name=obj.name, acting_user=request.user
        )
        obj.pk = issued.pk
        obj.__dict__.update({k: v for k, v in issued.__dict__.items() if not k.startswith("_")})
        self._issued[request] = raw_key

    def response_add(
        self, request: HttpRequest, obj: ApiKey, post_url_continue: str | None = None
    ) -> HttpResponse:
        """The new key, shown once in this page itself: never in a message (Django keeps those
        in a cookie, signed but readable), the session or a log. Not cached: the admin's pages
        are `never_cache`."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "key": obj,
            "raw_key": self._issued.pop(request),
            "title": "New API key",
        }
        return TemplateResponse(request, "admin/integrations/apikey_issued.html", context)

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        count = 0
        for api_key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(api_key=api_key, acting_user=request.user)
            count += 1
        self.message_user(request, f"{count} key(s) revoked.", messages.SUCCESS)
