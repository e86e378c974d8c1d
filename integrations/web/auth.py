"""Logging in: who an attempt is for, the lockout's two limits, and the locked-out page."""

from __future__ import annotations

import math
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

LOCKED_OUT_STATUS = 429


def login_username(request: HttpRequest | None, credentials: dict | None = None) -> str | None:
    """The account an attempt is for, as emails are stored: trimmed and lower-cased
    (AXES_USERNAME_CALLABLE), so 'Ana@Club.example' and 'ana@club.example' count as one."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = request.POST.get("username")
    return value.strip().lower() if isinstance(value, str) else None


class AccountLimitHandler(AxesDatabaseHandler):
    """django-axes' database handler with a second limit, per account from any address.

    AXES_LOCKOUT_PARAMETERS counts failures per account and address, then per account:
    AXES_FAILURE_LIMIT locks an account at one address, AXES_ACCOUNT_FAILURE_LIMIT (higher, so
    one person mistyping never reaches it) locks the account everywhere, which a spread of
    addresses cannot get around. axes compares one number with one limit, so the account's
    count is given on the address limit's scale (it reaches that limit exactly when the
    account reaches its own)."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        per_address, per_account = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        limit = get_failure_limit(request, credentials)
        return max(per_address, per_account * limit // settings.AXES_ACCOUNT_FAILURE_LIMIT)


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """A friendly page in plain words, with how long to wait (AXES_LOCKOUT_CALLABLE)."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else 0
    return render(request, "web/locked_out.html", {"minutes": minutes}, status=LOCKED_OUT_STATUS)
