"""Partner API v1 routes (partner-api.md)."""

from __future__ import annotations

from django.urls import path, re_path

from integrations.api.views import clients, feed, records, rosters

client = "clients/<str:client_id>/"

urlpatterns = [
    path("clients/", clients.ClientListApi.as_view(), name="api-client-list"),
    path(client, clients.ClientDetailApi.as_view(), name="api-client-detail"),
    path(f"{client}prospects/batch", records.ProspectBatchApi.as_view(), name="api-prospect-batch"),
    path(
        f"{client}prospects/<str:external_id>",
        records.ProspectItemApi.as_view(),
        name="api-prospect",
    ),
    path(f"{client}members/batch", records.MemberBatchApi.as_view(), name="api-member-batch"),
    path(f"{client}members/<str:external_id>", records.MemberItemApi.as_view(), name="api-member"),
    path(f"{client}staff", rosters.StaffRosterApi.as_view(), name="api-staff"),
    path(f"{client}lead-sources", rosters.LeadSourceRosterApi.as_view(), name="api-lead-sources"),
    path(f"{client}changes", feed.ChangeListApi.as_view(), name="api-changes"),
    path(f"{client}links", feed.LinkCreateApi.as_view(), name="api-links"),
    path(f"{client}webhook", feed.WebhookApi.as_view(), name="api-webhook"),
    re_path(r"^.*$", clients.NotFoundApi.as_view(), name="api-not-found"),
]
