"""Client pages: each view shows the signed-in user's own client only."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from integrations.adapters.base import ConnectionResult
from integrations.models import Client, DataExport, Integration, Issue, IssueStatus, User
from integrations.models.choices import Mode
from integrations.services.export import export_path, export_request
from integrations.services.options import (
    integration_connection_test,
    integration_connection_update,
    integration_options_update,
)
from integrations.services.preferences import client_time_zone_set, user_issue_emails_set
from integrations.sync.delivery.resend import deliveries_resend_failed
from integrations.sync.issues.selectors import issues_of
from integrations.sync.issues.words import issues_words
from integrations.web import queries
from integrations.web.forms import ConnectionForm, LogFilterForm, OptionsForm, SettingsForm
from integrations.web.people import affected_rows, lines_named, record_names

LOG_PAGE_SIZE = 50
MAPPING_PAGE_SIZE = 100
AFFECTED_PAGE_SIZE = 50
ISSUES_SHOWN = 10
ISSUES_PAGE_SIZE = 50


def user_client(request: HttpRequest) -> Client:
    """The signed-in user's client (the views below are `client_required`)."""
    return cast(Client, cast(User, request.user).client)


def client_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Login required, and a client: support staff get a page that sends them to the admin."""

    @login_required
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if cast(User, request.user).client_id is None:
            return render(request, "web/no_client.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


@client_required
def integration_list(request: HttpRequest) -> HttpResponse:
    client = user_client(request)
    now = timezone.now()
    summaries = queries.integration_summaries(client=client, now=now)
    issues, total = queries.issue_items(client=client, limit=ISSUES_SHOWN, now=now)
    context = {"client": client, "summaries": summaries, "issues": issues,
               "issues_total": total}
    return render(request, "web/integration_list.html", context)


def _integration_page(
    request: HttpRequest,
    integration: Integration,
    *,
    options_form: OptionsForm | None = None,
    connection_form: ConnectionForm | None = None,
    test_result: ConnectionResult | None = None,
    status: int = 200,
) -> HttpResponse:
    if connection_form is None and integration.mode == Mode.API:
        connection_form = ConnectionForm(initial={"base_url": integration.base_url})
    now = timezone.now()
    [summary] = queries.summaries_of([integration], client=integration.client, now=now)
    issues, total = queries.issue_items(client=integration.client, integration=integration,
                                        limit=ISSUES_SHOWN, now=now)
    context = {
        "integration": integration,
        "platform": integration.platform,
        "summary": summary,
        "issues": issues,
        "issues_total": total,
        "form": options_form or OptionsForm(integration=integration),
        "connection_form": connection_form,
        "test_result": test_result,
        "section": "options",
    }
    return render(request, "web/integration_detail.html", context, status=status)


@client_required
@require_http_methods(["GET", "POST"])
def integration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    integration = queries.client_integration(client=user_client(request), pk=pk)
    if request.method == "GET":
        return _integration_page(request, integration)
    form = OptionsForm(request.POST, integration=integration)
    if form.is_valid():
        try:
            integration_options_update(
                integration=integration, acting_user=request.user, **form.options()
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request, f"Saved. The options for {integration.platform.name} are in effect now."
            )
            return redirect("integration-detail", pk=integration.pk)
    # The failed attempt must not leak into the page: show what is really saved.
    integration.refresh_from_db()
    return _integration_page(request, integration, options_form=form, status=400)


@client_required
@require_POST
def integration_connection(request: HttpRequest, pk: int) -> HttpResponse:
    integration = queries.client_integration(client=user_client(request), pk=pk)
    if integration.mode != Mode.API:
        return redirect("integration-detail", pk=integration.pk)
    form = ConnectionForm(request.POST)
    if form.is_valid():
        try:
            integration_connection_update(
                integration=integration,
                acting_user=request.user,
                base_url=form.cleaned_data["base_url"],
                credentials=form.cleaned_data["credentials"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "Saved the platform's address and credentials.")
            return redirect("integration-detail", pk=integration.pk)
    integration.refresh_from_db()
    return _integration_page(request, integration, connection_form=form, status=400)


@client_required
@require_POST
def integration_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Test the address and token typed in the form (the saved ones where left empty),
    before saving them: nothing is saved, the live sync goes on with what is saved."""
    integration = queries.client_integration(client=user_client(request), pk=pk)
    if integration.mode != Mode.API:
        return redirect("integration-detail", pk=integration.pk)
    form = ConnectionForm(request.POST, keep_token=True)
    form.is_valid()
    typed = getattr(form, "cleaned_data", {})
    result = integration_connection_test(
        integration=integration, acting_user=request.user,
        base_url=typed.get("base_url") or request.POST.get("base_url") or None,
        credentials=typed.get("credentials") or "",
    )
    return _integration_page(request, integration, connection_form=form, test_result=result)


@client_required
@require_POST
def integration_resend(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the integration's failed deliveries again (after the cause was fixed)."""
    integration = queries.client_integration(client=user_client(request), pk=pk)
    count = deliveries_resend_failed(integration=integration, acting_user=request.user)
    if count:
        messages.success(request, f"{count:,} failed record{'' if count == 1 else 's'} sent "
                         f"to {integration.platform.name} again.")
    else:
        messages.info(request, "Nothing had failed: nothing to send again.")
    return redirect(reverse("integration-detail", args=[integration.pk]) + "#failed")


@client_required
def issue_detail(request: HttpRequest, pk: int, issue_pk: int) -> HttpResponse:
    """One issue: what is wrong, what fixes it, and the records it holds up, by name."""
    integration = queries.client_integration(client=user_client(request), pk=pk)
    issue = get_object_or_404(Issue.objects.select_related("integration__platform"),
                              pk=issue_pk, integration=integration)
    [words] = issues_words([issue])
    rows = affected_rows(issue)
    page = Paginator(rows, AFFECTED_PAGE_SIZE).get_page(request.GET.get("page"))
    names = record_names(row.record_id for row in page)
    context = {"integration": integration, "platform": integration.platform, "words": words,
               "item": queries.issue_item(words), "issue": issue, "page": page,
               "rows": [(row, names.get(str(row.record_id), "")) for row in page],
               "section": "issues"}
    return render(request, "web/issue_detail.html", context)


def _mapping_page(
    request: HttpRequest, pk: int, *, kind: str, rows_for: Callable[..., list]
) -> HttpResponse:
    integration = queries.client_integration(client=user_client(request), pk=pk)
    rows = rows_for(integration=integration)
    page = Paginator(rows, MAPPING_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "integration": integration,
        "platform": integration.platform,
        "page": page,
        "counts": queries.status_counts(rows),
        "kind": kind,
        "section": kind,
    }
    return render(request, "web/mapping_list.html", context)


@client_required
def staff_mappings(request: HttpRequest, pk: int) -> HttpResponse:
    return _mapping_page(request, pk, kind="staff", rows_for=queries.staff_mapping_rows)


@client_required
def lead_source_mappings(request: HttpRequest, pk: int) -> HttpResponse:
    return _mapping_page(
        request, pk, kind="lead-sources", rows_for=queries.lead_source_mapping_rows
    )


@client_required
def connector_log(request: HttpRequest) -> HttpResponse:
    """Issues first (what is wrong now), then the full log, searchable and filtered."""
    client = user_client(request)
    form = LogFilterForm(request.GET, client=client)
    filters = form.filters()
    entries = queries.log_entries(client=client, **filters)
    page = Paginator(entries, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    issues, total = queries.issue_items(client=client, integration=filters["integration"],
                                        limit=ISSUES_SHOWN)
    context = {"page": page, "lines": lines_named(page), "form": form, "issues": issues,
               "issues_total": total, "filtered": any(filters.values()), **filters}
    return render(request, "web/log.html", context)


@client_required
def issue_list(request: HttpRequest) -> HttpResponse:
    """Every issue of the club (ongoing, or resolved), newest first, one platform's or all."""
    client = user_client(request)
    form = LogFilterForm(request.GET, client=client)
    integration = form.filters()["integration"]
    resolved = request.GET.get("status") == "resolved"
    status = IssueStatus.RESOLVED if resolved else IssueStatus.ONGOING
    issues = issues_of(client_id=client.pk, status=status,
                       integration_id=integration.pk if integration else None)
    page = Paginator(issues, ISSUES_PAGE_SIZE).get_page(request.GET.get("page"))
    items = [queries.issue_item(words) for words in issues_words(page)]
    context = {"page": page, "items": items, "form": form, "integration": integration,
               "resolved": resolved}
    return render(request, "web/issue_list.html", context)


@client_required
@require_http_methods(["GET", "POST"])
def club_settings(request: HttpRequest) -> HttpResponse:
    """The club's time zone, and this person's issue emails."""
    client = user_client(request)
    user = cast(User, request.user)
    initial = {"time_zone": client.time_zone, "issue_emails": user.issue_emails}
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            client_time_zone_set(client=client, time_zone=form.cleaned_data["time_zone"],
                                 acting_user=user)
        except ValidationError as exc:
            form.add_error("time_zone", exc.messages)
        else:
            user_issue_emails_set(user=user, wanted=form.cleaned_data["issue_emails"])
            messages.success(request, "Saved.")
            return redirect("club-settings")
    return render(request, "web/settings.html", {"client": client, "form": form},
                  status=400 if form.errors else 200)


@client_required
@require_http_methods(["GET", "POST"])
def data_export(request: HttpRequest) -> HttpResponse:
    """Download the club's connector data as CSV: ask for it, watch it being made, fetch it."""
    client = user_client(request)
    if request.method == "POST":
        export_request(client=client, acting_user=request.user)
        return redirect("data-export")
    latest = DataExport.objects.filter(client=client).first()
    if request.headers.get("Accept") == "application/json" and latest is not None:
        return JsonResponse({"status": latest.status, "percent": latest.percent,
                             "rows_done": latest.rows_done, "rows_total": latest.rows_total})
    return render(request, "web/export.html", {"client": client, "export": latest})


@client_required
def data_export_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    export = DataExport.objects.filter(
        pk=pk, client=user_client(request), status=DataExport.Status.READY
    ).first()
    if export is None or not export_path(export).exists():
        raise Http404("No such export.")
    name = f"connector-{export.client_id}-{export.created_at:%Y-%m-%d}.csv"
    return FileResponse(export_path(export).open("rb"), as_attachment=True, filename=name,
                        content_type="text/csv")
