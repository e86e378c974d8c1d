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
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from integrations.models import Client, DataExport, Integration, User
from integrations.models.choices import Mode
from integrations.services.export import export_path, export_request
from integrations.services.options import (
    integration_connection_test,
    integration_connection_update,
    integration_options_update,
)
from integrations.web import queries
from integrations.web.forms import ConnectionForm, LogFilterForm, OptionsForm

LOG_PAGE_SIZE = 50
MAPPING_PAGE_SIZE = 100


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
    summaries, errors_24h = queries.integration_summaries(client=client, now=timezone.now())
    return render(
        request,
        "web/integration_list.html",
        {
            "client": client,
            "summaries": summaries,
            "errors_24h": errors_24h,
        },
    )


def _integration_page(
    request: HttpRequest,
    integration: Integration,
    *,
    options_form: OptionsForm | None = None,
    connection_form: ConnectionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    if connection_form is None and integration.mode == Mode.API:
        connection_form = ConnectionForm(initial={"base_url": integration.base_url})
    context = {
        "integration": integration,
        "platform": integration.platform,
        "flow": queries.integration_flow(integration=integration),
        "form": options_form or OptionsForm(integration=integration),
        "connection_form": connection_form,
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
    integration = queries.client_integration(client=user_client(request), pk=pk)
    if integration.mode != Mode.API:
        return redirect("integration-detail", pk=integration.pk)
    result = integration_connection_test(integration=integration, acting_user=request.user)
    level = messages.SUCCESS if result.ok else messages.ERROR
    messages.add_message(request, level, result.message, extra_tags="connection-test")
    return redirect(reverse("integration-detail", args=[integration.pk]) + "#connection")


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
    form = LogFilterForm(request.GET, client=user_client(request))
    filters = form.filters()
    entries = queries.log_entries(client=user_client(request), **filters)
    page = Paginator(entries, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/log.html", {"page": page, "form": form, **filters})


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
