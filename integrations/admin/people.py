"""Possible duplicates in the support admin: the people review queue (product.md §3a).

Each row: the record that arrived and the person it may be, side by side (name, email, phone,
birth date, where each came from), the score and the reason, and the decisions as buttons:
*same person* (merge into it; a member into a prospect: its conversion), *different people*,
and *undo* on the same page. The detail page lists every candidate the same way. Bulk actions
do the same for the selected rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from integrations.models import ExternalLink, Member, Prospect
from integrations.models.matching import DuplicateStatus, PossibleDuplicate
from integrations.services.people import (
    duplicate_different,
    duplicate_same,
    duplicate_undo,
)
from mappings.admin.base import each_decided
from mappings.admin.buttons import back_url, decision_button

MODELS: dict[str, Any] = {"prospect": Prospect, "member": Member}
SHOWN = ("first_name", "last_name", "email", "phone", "birth_date", "created_at", "erased_at",
         "merged_into_id")


def people_of(pairs: set[tuple[str, Any]]) -> dict[str, dict[str, Any]]:
    """{record id: its fields and its platforms' ids} for (kind, id) pairs: two queries a kind."""
    out: dict[str, dict[str, Any]] = {}
    for kind, model in MODELS.items():
        ids = {pk for k, pk in pairs if k == kind and pk}
        if not ids:
            continue
        for row in model.objects.filter(pk__in=ids).values("id", *SHOWN):
            out[str(row["id"])] = {**row, "kind": kind, "links": []}
        links = ExternalLink.objects.filter(**{f"{kind}_id__in": ids}).select_related(
            "integration__platform"
        )
        for link in links:
            found = out.get(str(link.record_id))
            if found is not None:
                found["links"].append(f"{link.integration.platform.name} {link.external_id}")
    return out


def person_cell(person: dict[str, Any] | None) -> str:
    """Name, email, phone, birth date and platform ids of one record, in one cell."""
    if person is None:
        return "(gone)"
    name = " ".join(p for p in (person["first_name"], person["last_name"]) if p)
    if person["erased_at"]:
        name = "(erased)"
    details = [person["email"] or "no email", person["phone"] or "no phone"]
    if person["birth_date"]:
        details.append(f"born {person['birth_date']:%Y-%m-%d}")
    url = reverse(f"admin:integrations_{person['kind']}_change", args=[person["id"]])
    return format_html(
        '<a href="{}">{}</a><br><small>{}</small><br><small>{}</small>',
        url,
        name or "(no name)",
        " · ".join(details),
        ", ".join(person["links"]) or "no platform id",
    )


class PeopleChangeList(ChangeList):
    """Loads the people of the page's rows in a few queries, not a few per row."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        pairs = set()
        for review in self.result_list:
            pairs.add((review.kind, review.record_id))
            pairs.add((review.candidate_kind, review.candidate_id))
        people = people_of(pairs)
        for review in self.result_list:
            review.people = people


DECISIONS: dict[str, tuple[Callable[..., Any], str]] = {
    "same": (duplicate_same, "Same person"),
    "different": (duplicate_different, "Different people"),
    "undo": (duplicate_undo, "Undone"),
}


@admin.register(PossibleDuplicate)
class PossibleDuplicateAdmin(admin.ModelAdmin):
    list_display = ["arrived", "may_be", "score_shown", "reason", "status", "decide"]
    list_filter = ["status", "kind", "held", "client", "integration"]
    list_select_related = ["integration__platform"]
    list_per_page = 50
    ordering = ["-id"]
    actions = ["same_person", "different_people", "undo"]
    change_form_template = "admin/integrations/possibleduplicate/change_form.html"
    search_fields = ["=external_id", "=record_id", "=candidate_id"]
    search_help_text = "A platform's id, or a Connector id of either record."

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return PeopleChangeList

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.decide_view)
        return [
            path("<int:pk>/decide/<str:decision>/", view,
                 name="integrations_possibleduplicate_decide"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if "status__exact" not in request.GET and not request.GET.get("q"):
            # The queue opens on what waits for a person.
            query = request.GET.copy()
            query["status__exact"] = DuplicateStatus.NEEDS_REVIEW
            request.GET = query  # type: ignore[assignment]  # a mutable copy, as Django's own
        extra_context = {**(extra_context or {}), "is_nav_sidebar_enabled": False}
        return super().changelist_view(request, extra_context)

    @admin.display(description="arrived")
    def arrived(self, obj: PossibleDuplicate) -> str:
        person = getattr(obj, "people", {}).get(str(obj.record_id))
        where = obj.integration.platform.name if obj.integration else "?"
        held = " · deliveries held" if obj.held and obj.status == DuplicateStatus.NEEDS_REVIEW \
            else ""
        return format_html("{}<br><small>from {}{}</small>", person_cell(person), where, held)

    @admin.display(description="may be")
    def may_be(self, obj: PossibleDuplicate) -> str:
        person = getattr(obj, "people", {}).get(str(obj.candidate_id))
        return person_cell(person)

    @admin.display(description="score", ordering="score")
    def score_shown(self, obj: PossibleDuplicate) -> str:
        return f"{obj.score:.2f}" if obj.score is not None else "—"

    @admin.display(description="decide")
    def decide(self, obj: PossibleDuplicate) -> str:
        return self.decision_buttons(obj, back="")

    def decision_buttons(self, obj: PossibleDuplicate, *, back: str, candidate: Any = None) -> str:
        if obj.status != DuplicateStatus.NEEDS_REVIEW:
            return decision_button(self._url(obj, "undo"), "Undo", back=back)
        same = self._url(obj, "same") + (f"?candidate={candidate}" if candidate else "")
        buttons = [decision_button(same, "Same person", back=back, primary=True)]
        if candidate is None:
            buttons.append(decision_button(self._url(obj, "different"), "Different people",
                                           back=back))
        return format_html_join(" ", "{}", ((b,) for b in buttons))

    def _url(self, obj: PossibleDuplicate, decision: str) -> str:
        return reverse("admin:integrations_possibleduplicate_decide", args=[obj.pk, decision])

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        obj = PossibleDuplicate.objects.filter(pk=object_id).first()
        if obj is not None:
            extra_context = {**(extra_context or {}), **self._side_by_side(obj)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _side_by_side(self, obj: PossibleDuplicate) -> dict[str, Any]:
        """The record and each candidate, with a *same person* button under each candidate."""
        back = reverse("admin:integrations_possibleduplicate_changelist")
        candidates = obj.candidates or [
            {"kind": obj.candidate_kind, "id": str(obj.candidate_id), "score": obj.score,
             "reason": obj.reason}
        ]
        people = people_of({(obj.kind, obj.record_id)}
                           | {(c["kind"], uuid.UUID(c["id"])) for c in candidates})
        columns = [
            {
                "cell": person_cell(people.get(c["id"])),
                "score": c.get("score"),
                "reason": c.get("reason", ""),
                "button": self.decision_buttons(obj, back=back, candidate=c["id"])
                if obj.status == DuplicateStatus.NEEDS_REVIEW else "",
            }
            for c in candidates
        ]
        return {
            "arrived_cell": person_cell(people.get(str(obj.record_id))),
            "candidate_columns": columns,
            "decision_buttons": self.decision_buttons(obj, back=back),
        }

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in PossibleDuplicate._meta.fields if f.name != "id"]

    def decide_view(self, request: HttpRequest, pk: int, decision: str) -> HttpResponse:
        """POST: one decision about one possible duplicate, then back where it was made."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if decision not in DECISIONS or not self.has_change_permission(request):
            raise PermissionDenied
        review = get_object_or_404(PossibleDuplicate, pk=pk)
        service, done = DECISIONS[decision]
        try:
            kwargs: dict[str, Any] = {}
            if decision == "same" and request.GET.get("candidate"):
                kwargs["candidate_id"] = _uuid(request.GET["candidate"])
            service(review=review, acting_user=request.user, **kwargs)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(request, f"{done}: {review}.", messages.SUCCESS)
        return HttpResponseRedirect(self._back(request))

    def _back(self, request: HttpRequest) -> str:
        return back_url(request, reverse("admin:integrations_possibleduplicate_changelist"))

    def _each(self, request: HttpRequest, queryset: QuerySet, decision: str) -> None:
        service, done = DECISIONS[decision]
        each_decided(
            request, queryset, lambda review: service(review=review, acting_user=request.user),
            done, self.message_user,
        )

    @admin.action(description="Same person (the top candidate)")
    def same_person(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, "same")

    @admin.action(description="Different people")
    def different_people(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, "different")

    @admin.action(description="Undo the decision")
    def undo(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, "undo")


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError as exc:
        raise ValidationError("Not a record id.") from exc
