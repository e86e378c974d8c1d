"""Launches in the support admin: preview what matching does with a platform's existing
records, decide the uncertain pairs, then switch the integration on (product.md §3a)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.http import urlencode

from integrations.models import Launch, SyncRun
from integrations.models.matching import DuplicateStatus
from integrations.services.launches import (
    launch_cancel,
    launch_preview_start,
    launch_side_counts,
    launch_switch_on,
)

ACTIONS = {
    "switch_on": (lambda launch, user: launch_switch_on(
        launch=launch, start_from_now=False, acting_user=user), "Switched on"),
    "switch_on_from_now": (lambda launch, user: launch_switch_on(
        launch=launch, start_from_now=True, acting_user=user), "Switched on from now"),
    "cancel": (lambda launch, user: launch_cancel(launch=launch, acting_user=user),
               "Launch cancelled"),
}


@admin.register(Launch)
class LaunchAdmin(admin.ModelAdmin):
    list_display = ["integration", "status", "received", "linked", "review", "new",
                    "started_at"]
    list_filter = ["status"]
    list_select_related = ["integration__client", "integration__platform"]
    change_form_template = "admin/integrations/launch/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # started from the integration (its "Start a launch preview" action)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in Launch._meta.fields if f.name != "id"]

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.act_view)
        return [
            path("<int:pk>/act/<str:action>/", view, name="integrations_launch_act"),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        launch = Launch.objects.select_related("integration__platform").filter(
            pk=object_id).first()
        if launch is not None:
            extra_context = {**(extra_context or {}), **self._progress(launch)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _progress(self, launch: Launch) -> dict[str, Any]:
        query: dict[str, str | int] = {
            "integration__id__exact": launch.integration_id,
            "status__exact": DuplicateStatus.NEEDS_REVIEW,
        }
        queue = reverse("admin:integrations_possibleduplicate_changelist") + "?" + urlencode(query)
        return {
            "launch": launch,
            "side": launch_side_counts(launch),
            "last_fetch": SyncRun.objects.filter(
                integration_id=launch.integration_id, kind=SyncRun.Kind.FETCH,
                started_at__gte=launch.started_at).order_by("-id").first(),
            "queue_url": queue,
            "act_urls": {name: reverse("admin:integrations_launch_act", args=[launch.pk, name])
                         for name in ACTIONS},
        }

    def act_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        """POST: switch on (with or without the new records) or cancel, then back."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if action not in ACTIONS or not self.has_change_permission(request):
            raise PermissionDenied
        launch = get_object_or_404(Launch, pk=pk)
        act, done = ACTIONS[action]
        try:
            act(launch, request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(request, f"{done}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:integrations_launch_change", args=[pk]))


@admin.action(description="Start a launch preview (match its existing records, deliver nothing)")
def launch_preview(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> Any:
    """Start a preview of each selected integration; to the launch page when one."""
    started = []
    for integration in queryset:
        try:
            started.append(launch_preview_start(integration=integration, acting_user=request.user))
        except ValidationError as exc:
            modeladmin.message_user(request, f"{integration}: {' '.join(exc.messages)}",
                                    messages.WARNING)
    if len(started) == 1:
        return HttpResponseRedirect(
            reverse("admin:integrations_launch_change", args=[started[0].pk]))
    if started:
        modeladmin.message_user(request, f"{len(started)} launch previews started.")
    return None
