"""Client pages: login, password reset, integrations, mappings and the connector log."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.views.generic import RedirectView

from integrations.web import views
from integrations.web.forms import EmailLoginForm

password_urls = [
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="web/password_reset_form.html",
            email_template_name="web/password_reset_email.txt",
            subject_template_name="web/password_reset_subject.txt",
            success_url=reverse_lazy("password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="web/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="web/password_reset_confirm.html",
            success_url=reverse_lazy("password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="web/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]

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
    *password_urls,
    path("integrations/", views.integration_list, name="integration-list"),
    path("integrations/<int:pk>/", views.integration_detail, name="integration-detail"),
    path(
        "integrations/<int:pk>/connection/",
        views.integration_connection,
        name="integration-connection",
    ),
    path("integrations/<int:pk>/test/", views.integration_test, name="integration-test"),
    path("integrations/<int:pk>/resend/", views.integration_resend, name="integration-resend"),
    path("integrations/<int:pk>/issues/<int:issue_pk>/", views.issue_detail,
         name="issue-detail"),
    path("integrations/<int:pk>/staff/", views.staff_mappings, name="staff-mappings"),
    path(
        "integrations/<int:pk>/lead-sources/",
        views.lead_source_mappings,
        name="lead-source-mappings",
    ),
    path("issues/", views.issue_list, name="issue-list"),
    path("log/", views.connector_log, name="connector-log"),
    path("settings/", views.club_settings, name="club-settings"),
    path("export/", views.data_export, name="data-export"),
    path("export/<int:pk>/download/", views.data_export_download, name="data-export-download"),
]
