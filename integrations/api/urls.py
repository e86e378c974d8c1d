"""Partner API v1 routes (partner-api.md)."""

from __future__ import annotations

urlpatterns: list = []
