"""Client pages: login and the client's integrations."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

from integrations.web import views
from integrations.web.forms import EmailLoginForm

urlpatterns = [
    path("", RedirectView.as_view(url="/integrations/", permanent=False)),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html",
            authentication_form=EmailLoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("integrations/", views.integration_list, name="integration-list"),
]
