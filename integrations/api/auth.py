"""Partner API keys (`Authorization: Bearer cpk_...`), the key's permission and throttling."""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.throttling import BaseThrottle

from integrations.db.api import api_key_by_hash
from integrations.models import ApiKey, Platform
from integrations.services.launch import API_KEY_PREFIX, hash_api_key

LAST_USED_EVERY = dt.timedelta(minutes=1)
MAX_KEY_LENGTH = 200


class Partner:
    """The caller of the partner API: a platform, through one of its keys."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, api_key: ApiKey) -> None:
        self.api_key = api_key
        self.platform: Platform = api_key.platform

    def __str__(self) -> str:
        return self.platform.slug


class ApiKeyAuthentication(BaseAuthentication):
    """Bearer key → its ApiKey row (by SHA-256 hash); revoked or unknown → 401."""

    def authenticate(self, request) -> tuple[Partner, ApiKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, raw_key = header.partition(" ")
        raw_key = raw_key.strip()
        if scheme.lower() != "bearer" or not raw_key:
            raise exceptions.AuthenticationFailed("Use 'Authorization: Bearer <API key>'.")
        if not raw_key.startswith(API_KEY_PREFIX) or len(raw_key) > MAX_KEY_LENGTH:
            raise exceptions.AuthenticationFailed("Invalid API key.")
        api_key = api_key_by_hash(hash_api_key(raw_key))
        if api_key is None or api_key.revoked_at is not None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        api_key_touch(api_key=api_key)
        return Partner(api_key), api_key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="connector"'


def api_key_touch(*, api_key: ApiKey) -> None:
    """Record the key's use, at most once a minute (a write per request would be wasteful)."""
    now = timezone.now()
    if api_key.last_used_at and now - api_key.last_used_at < LAST_USED_EVERY:
        return
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now


class HasApiKey(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiKey)


def parse_rate(rate: str) -> tuple[int, int]:
    count, _, period = rate.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[:1].lower()]
    return int(count), seconds


class ApiKeyThrottle(BaseThrottle):
    """A fixed-window request counter per key (CONNECTOR_API_RATE, e.g. "6000/min")."""

    def allow_request(self, request, view) -> bool:
        if not isinstance(request.auth, ApiKey):
            return True
        limit, period = parse_rate(settings.CONNECTOR_API_RATE)
        now = time.time()
        key = f"partner-api:{request.auth.pk}:{int(now // period)}"
        try:  # the window's counter exists for all but its first request
            count = cache.incr(key)
        except ValueError:  # the window's first request (or its counter expired meanwhile);
            # if another request starts the window first, count on from its counter
            count = 1 if cache.add(key, 1, timeout=period * 2) else cache.incr(key)
        self._wait = period - (now % period)
        return count <= limit

    def wait(self) -> float:
        return self._wait
