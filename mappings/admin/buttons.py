"""One-click decisions in the review queues: a button per row and on the detail page, and an
undo on the page the decision was made from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme

from mappings.admin.base import history_write
from mappings.services.review import (
    mapping_accept,
    mapping_no_counterpart,
    mapping_undo,
    mapping_undo_state,
)

DECISIONS: dict[str, tuple[Callable[..., Any], str]] = {
    "accept": (mapping_accept, "Suggestion accepted"),
    "no_counterpart": (mapping_no_counterpart, 'Marked "no counterpart"'),
    "undo": (mapping_undo, "Undone"),
}


def decision_button(url: str, label: str, *, back: str, primary: bool = False) -> str:
    """A button that POSTs the page's form to a decision view, then comes back to `back`."""
    # Inside the page's own form (the changelist's or the change form's): formaction sends
    # that form, with its CSRF token, to the decision view instead.
    return format_html(
        '<button type="submit" formaction="{}" formmethod="post" name="next" value="{}" '
        'class="button{}">{}</button>',
        url,
        back,
        " default" if primary else "",
        label,
    )


def back_url(request: HttpRequest, fallback: str) -> str:
    """The page a decision was made from: `next`, else the referring page, else `fallback`."""
    for back in (request.POST.get("next", ""), request.headers.get("referer", "")):
        if back and url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return back
    return fallback


class ReviewButtonsMixin:
    """Accept / no counterpart buttons on each row and on the detail page, with undo."""

    admin_site: admin.AdminSite
    model: Any
    message_user: Callable[..., None]
    has_change_permission: Callable[..., bool]

    def get_urls(self) -> list:
        opts = self.model._meta
        view = self.admin_site.admin_view(self.decide_view)
        name = f"{opts.app_label}_{opts.model_name}_decide"
        return [
            path("<int:pk>/decide/<str:decision>/", view, name=name),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def _decide_url(self, obj: Any, decision: str) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_decide", args=[obj.pk, decision])

    def decision_buttons(self, obj: Any, *, back: str) -> str:
        """The buttons for one mapping: accept its suggestion, no counterpart, undo."""
        buttons = []
        if obj.status != "matched" and obj.suggestion_id:
            url = self._decide_url(obj, "accept")
            buttons.append(decision_button(url, "Accept", back=back, primary=True))
        if obj.status in ("needs_review", "unmatched"):
            url = self._decide_url(obj, "no_counterpart")
            buttons.append(decision_button(url, "No counterpart", back=back))
        return format_html_join(" ", "{}", ((b,) for b in buttons))

    @admin.display(description="decide")
    def decide(self, obj: Any) -> str:
        return self.decision_buttons(obj, back="")  # back to the list, filters and all

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        obj = self.model._meta.concrete_model.objects.filter(pk=object_id).first()
        if obj is not None:
            opts = self.model._meta
            back = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            buttons = format_html(
                "{} {}", self.decision_buttons(obj, back=back), self.undo_button(obj, back=back)
            )
            extra_context = {**(extra_context or {}), "decision_buttons": buttons}
        return super().change_view(  # type: ignore[misc]
            request, object_id, form_url, extra_context
        )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # The queue needs its width for the suggestion, score, reason and buttons: no app
        # list down the left (the breadcrumbs and the home page still lead everywhere).
        extra_context = {**(extra_context or {}), "is_nav_sidebar_enabled": False}
        return super().changelist_view(request, extra_context)  # type: ignore[misc]

    def undo_button(self, obj: Any, *, back: str) -> str:
        if mapping_undo_state(mapping=obj) is None:
            return ""
        return decision_button(self._decide_url(obj, "undo"), "Undo the last decision", back=back)

    def decide_view(self, request: HttpRequest, pk: int, decision: str) -> HttpResponse:
        """POST: one decision about one mapping, then back where it was made."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if decision not in DECISIONS or not self.has_change_permission(request):
            raise PermissionDenied
        mapping = get_object_or_404(self.model._meta.concrete_model, pk=pk)
        back = self._back(request)
        service, done = DECISIONS[decision]
        try:
            changed = service(mapping=mapping, acting_user=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(back)
        history_write(request, changed, done)
        self.message_user(request, self._done_message(request, changed, done, back, decision))
        return HttpResponseRedirect(back)

    def _back(self, request: HttpRequest) -> str:
        opts = self.model._meta
        return back_url(request, reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    def _done_message(
        self, request: HttpRequest, mapping: Any, done: str, back: str, decision: str
    ) -> str:
        text = f"{done}: {mapping}."
        if decision == "undo":
            return text
        # The message sits outside the page's forms, so it carries a form of its own.
        return format_html(
            '{} <form method="post" action="{}" class="undo-form">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<input type="hidden" name="next" value="{}">'
            '<button type="submit" class="button">Undo</button></form>',
            text,
            self._decide_url(mapping, "undo"),
            get_token(request),
            back,
        )
