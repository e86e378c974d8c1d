"""What the staff and lead-source review admins share: actions through the services."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from mappings.selectors import QUEUE_STATUSES
from mappings.services.rematch import rematch_queue
from mappings.services.review import (
    mapping_accept,
    mapping_no_counterpart,
    mapping_reset,
    mapping_target_check,
    mapping_unlink,
)


class ChooseTargetForm(forms.ModelForm):
    """Choose another person or lead source: validated by the review service's own check."""

    target_field = ""  # "person" or "lead_source", the Meta's one field

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        target = data.get(self.target_field)
        if target is not None and target.pk != self.initial.get(self.target_field):
            try:
                mapping_target_check(mapping=self.instance, target=target)
            except ValidationError as exc:
                self.add_error(self.target_field, exc)
        return data


_CHANGE_URL = re.compile(r"/admin/mappings/(\w+)/(\d+)/change/")


def history_write(request: HttpRequest, obj: Any, message: str) -> None:
    """An admin history line on the mapping, and on its review proxy when shown through one."""
    for model in {type(obj), type(obj)._meta.concrete_model}:
        LogEntry.objects.create(
            user_id=cast(int, request.user.pk),
            content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            action_flag=CHANGE,
            change_message=message,
        )


def for_referring_mapping(
    request: HttpRequest, queryset: QuerySet, mapping_model: Any, model_names: tuple[str, ...]
) -> QuerySet:
    """An autocomplete asked from a mapping's change page offers that mapping's client's rows
    only (the "choose another" field of the staff and lead-source reviews)."""
    for model_name in model_names:
        mapping_id = referring_object_id(request, model_name)
        if mapping_id is not None:
            client_id = (
                mapping_model.objects.filter(pk=mapping_id)
                .values_list("integration__client_id", flat=True)
                .first()
            )
            queryset = queryset.filter(client_id=client_id)
    return queryset


def referring_object_id(request: HttpRequest, model_name: str) -> int | None:
    """The id in the change page an autocomplete request came from, if it is that model's."""
    found = _CHANGE_URL.search(request.headers.get("referer", ""))
    if found and found.group(1) == model_name:
        return int(found.group(2))
    return None


def each_decided(
    request: HttpRequest,
    objects: Any,
    decide: Callable[[Any], Any],
    done: str,
    message_user: Callable[..., None],
) -> None:
    """Run one decision per selected object, then report: how many, and what went wrong."""
    ok, failed = 0, []
    for obj in objects:
        try:
            decide(obj)
        except ValidationError as exc:
            failed.append(f"{obj}: {' '.join(exc.messages)}")
            continue
        ok += 1
    if ok:
        message_user(request, f"{done}: {ok}.", messages.SUCCESS)
    for problem in failed[:20]:
        message_user(request, problem, messages.WARNING)


class ReviewActionsMixin:
    """Admin actions that call one review service per selected mapping, then report."""

    message_user: Callable[..., None]  # ModelAdmin's, which this mixin goes with

    actions: Any = [
        "accept_suggestion",
        "mark_no_counterpart",
        "unlink",
        "reset_to_automatic",
        "rematch_integrations",
    ]

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        service: Callable[..., Any],
        done: str,
    ) -> None:
        def decide(mapping: Any) -> None:
            history_write(request, service(mapping=mapping, acting_user=request.user), done)

        mappings = queryset.select_related("remote", "integration")
        each_decided(request, mappings, decide, done, self.message_user)

    @admin.action(description="Accept the suggestion")
    def accept_suggestion(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, mapping_accept, "Suggestion accepted")

    @admin.action(description='Mark "no counterpart"')
    def mark_no_counterpart(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, mapping_no_counterpart, "Marked no counterpart")

    @admin.action(description="Unlink (undo a wrong link)")
    def unlink(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, mapping_unlink, "Unlinked")

    @admin.action(description="Hand back to automatic matching")
    def reset_to_automatic(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, mapping_reset, "Handed back to automatic matching")

    @admin.action(description="Re-match the selected rows' integrations now")
    def rematch_integrations(self, request: HttpRequest, queryset: QuerySet) -> None:
        ids = sorted(set(queryset.values_list("integration_id", flat=True)))
        for integration_id in ids:
            rematch_queue(integration_id=integration_id)
        self.message_user(request, f"Re-matching queued for {len(ids)} integration(s).")


class QueueStatusFilter(admin.SimpleListFilter):
    """The statuses a queue holds (not the ones that are never in it)."""

    title = "status"
    parameter_name = "status__exact"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(s.value, s.label) for s in QUEUE_STATUSES]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(status=self.value()) if self.value() else queryset


def yes_no(value: bool) -> str:
    return "active" if value else "inactive"


def side(name: str, email: str, active: bool | None) -> str:
    """A person's name, email and status in one cell."""
    if active is None:
        return "—"
    return format_html(
        "{}<br><small>{} · {}</small>", name or "(no name)", email or "no email", yes_no(active)
    )
