"""The support admin's site: its index is the support home (integrations/admin/home.py).

Here, outside the apps, because settings name its AdminConfig: importing it must load no model.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.template.response import TemplateResponse


class ConnectorAdminSite(admin.AdminSite):
    site_header = "Connector support"
    site_title = "Connector support"
    index_title = "What needs a person"
    index_template = "admin/support_home.html"

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None
              ) -> TemplateResponse:
        from integrations.admin.home import support_home

        return super().index(request, extra_context={**support_home(), **(extra_context or {})})


class ConnectorAdminConfig(AdminConfig):
    default_site = "connector_portal.admin_site.ConnectorAdminSite"
