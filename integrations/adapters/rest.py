"""The generic REST contract adapter (platform-contract.md), over integrations.outbound."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import quote

from urllib3.util import parse_url

from integrations import outbound
from integrations.adapters.base import (
    Adapter,
    AdapterError,
    AuthError,
    Capabilities,
    ChangesPage,
    ConnectionResult,
    RemoteLeadSourceRecord,
    RemoteRecord,
    RemoteStaffRecord,
)
from integrations.logging_redact import redacted_excerpt

logger = logging.getLogger(__name__)

MAX_PAGES = 1000  # a platform whose cursor never ends must not loop us forever
_PATHS = {"prospect": "/prospects", "member": "/members"}
_DETAIL_CHARS = 300


class RestAdapter(Adapter):
    """Bearer token, JSON, Idempotency-Key on creates; errors say whether they are permanent."""

    # Creating lead sources is tried; a platform that cannot answers 405 (a permanent error).
    capabilities = Capabilities(create_lead_source=True)

    # --- connection -----------------------------------------------------------------------

    def test_connection(self) -> ConnectionResult:
        """Ping the platform; the answer is in plain words, never a stack trace."""
        try:
            self._call("GET", "/ping")
        except AuthError:
            return ConnectionResult(ok=False, message="The platform refused the credentials")
        except AdapterError as error:
            return ConnectionResult(ok=False, message=error.message)
        except Exception:
            logger.exception("connection test to %s failed unexpectedly", self._host())
            return ConnectionResult(ok=False, message="The connection test failed unexpectedly")
        return ConnectionResult(ok=True, message="Connected")

    # --- rosters --------------------------------------------------------------------------

    def list_staff(self) -> list[RemoteStaffRecord]:
        """Every staff member, following next_cursor; raises AdapterError."""
        staff: list[RemoteStaffRecord] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page = self._json("GET", "/staff", params={"cursor": cursor} if cursor else None)
            staff += [_staff(item) for item in _results(page)]
            cursor = page.get("next_cursor") if isinstance(page, dict) else None
            if not cursor:
                return staff
        raise AdapterError("The platform's staff list never ends (too many pages)")

    def list_lead_sources(self) -> list[RemoteLeadSourceRecord]:
        """The platform's lead sources; raises AdapterError."""
        page = self._json("GET", "/lead-sources")
        return [
            RemoteLeadSourceRecord(
                id=str(item["id"]),
                name=str(item.get("name") or ""),
                active=bool(item.get("active", True)),
            )
            for item in _results(page)
        ]

    def create_lead_source(
        self, name: str, *, idempotency_key: str | None = None
    ) -> RemoteLeadSourceRecord:
        """Create a lead source; AdapterError(permanent) when the platform cannot (405)."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        try:
            data = self._json("POST", "/lead-sources", json={"name": name}, headers=headers)
        except AdapterError as error:
            if error.status == 405:
                raise AdapterError(
                    "The platform cannot create lead sources", permanent=True, status=405
                ) from None
            raise
        return RemoteLeadSourceRecord(id=str(_id(data)), name=str(data.get("name") or name))

    # --- records --------------------------------------------------------------------------

    def create_record(self, kind: str, fields: dict[str, Any], *, idempotency_key: str) -> str:
        """POST the record with its Idempotency-Key (the same on every retry); returns the
        platform's id, the first record's when the key was seen before. Raises AdapterError."""
        data = self._json(
            "POST", _path(kind), json=fields, headers={"Idempotency-Key": idempotency_key}
        )
        return str(_id(data))

    def update_record(self, kind: str, external_id: str, fields: dict[str, Any]) -> None:
        """PUT the record's fields; raises AdapterError (404 is permanent)."""
        self._call("PUT", f"{_path(kind)}/{quote(str(external_id), safe='')}", json=fields)

    def list_changed(self, kind: str, *, since: str | None, cursor: str | None) -> ChangesPage:
        """One page of records changed at or after `since` (ISO 8601), from `cursor`."""
        params = {k: v for k, v in (("updated_since", since), ("cursor", cursor)) if v}
        page = self._json("GET", _path(kind), params=params or None)
        records = [_record(item) for item in _results(page)]
        return ChangesPage(records=records, next_cursor=page.get("next_cursor") or None)

    # --- HTTP -----------------------------------------------------------------------------

    def _host(self) -> str:
        try:
            return parse_url(self.config.base_url).host or self.config.base_url
        except Exception:
            return self.config.base_url

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self._call(method, path, **kwargs)
        try:
            data = answer.json()
        except ValueError:
            raise AdapterError(
                f"The platform answered {method} {path} with something that is not JSON",
                status=answer.status,
            ) from None
        if not isinstance(data, dict):
            raise AdapterError(f"The platform answered {method} {path} with unexpected JSON")
        return data

    def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> outbound.SafeResponse:
        if not self.config.base_url:
            raise AdapterError("The platform's address is missing", permanent=True)
        all_headers = {"Accept": "application/json", **(headers or {})}
        if self.config.token:
            all_headers["Authorization"] = f"Bearer {self.config.token}"
        try:
            answer = outbound.safe_request(
                method,
                self.config.base_url.rstrip("/") + path,
                headers=all_headers,
                json=json,
                params=params,
                timeout=(self.config.timeout_connect, self.config.timeout_read),
            )
        except outbound.OutboundError as error:
            raise self._transport_error(error) from None
        if not answer.ok:
            raise _status_error(answer)
        return answer

    def _transport_error(self, error: outbound.OutboundError) -> AdapterError:
        host = self._host()
        if isinstance(error, outbound.OutboundTimeout):
            if error.phase == "connect":
                message = f"Could not reach the platform at {host}: no answer to the connection"
            else:
                message = f"The platform did not answer within {error.seconds:g} seconds"
        elif isinstance(error, outbound.OutboundConnectionError):
            message = f"Could not reach the platform at {host}: {error.reason}"
        else:
            message = error.message  # "The address is not allowed: ...", redirect, too large
        return AdapterError(message, permanent=error.permanent, status=error.status)


def _status_error(answer: outbound.SafeResponse) -> AdapterError:
    status = answer.status
    detail = _detail(answer)
    suffix = f": {detail}" if detail else ""
    if status in (401, 403):
        return AuthError("The platform refused the credentials", permanent=True, status=status)
    retry_after = outbound.retry_after_seconds(answer.headers.get("Retry-After"))
    if status == 429:
        return AdapterError(
            "The platform asked us to slow down (429)", status=429, retry_after=retry_after
        )
    if status >= 500:
        return AdapterError(
            f"The platform had a problem ({status}){suffix}",
            status=status,
            retry_after=retry_after,
        )
    return AdapterError(
        f"The platform refused the request ({status}){suffix}", permanent=True, status=status
    )


def _detail(answer: outbound.SafeResponse) -> str:
    """The platform's own message: JSON detail/message/error/title, else the text; without
    the emails and phones a platform may echo (it goes into delivery errors and the log)."""
    try:
        data = answer.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("detail", "message", "error", "title"):
            if isinstance(data.get(key), str) and data[key].strip():
                return redacted_excerpt(data[key], _DETAIL_CHARS)
    return redacted_excerpt(answer.text, _DETAIL_CHARS)


def _path(kind: str) -> str:
    try:
        return _PATHS[kind]
    except KeyError:
        raise ValueError(f"unknown record kind {kind!r}") from None


def _results(page: Any) -> list[dict[str, Any]]:
    results = page.get("results") if isinstance(page, dict) else None
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        raise AdapterError("The platform's answer has no list of results")
    return results


def _id(data: Any) -> Any:
    if not isinstance(data, dict) or data.get("id") in (None, ""):
        raise AdapterError("The platform's answer has no id")
    return data["id"]


def _staff(item: dict[str, Any]) -> RemoteStaffRecord:
    return RemoteStaffRecord(
        id=str(_id(item)),
        first_name=str(item.get("first_name") or ""),
        last_name=str(item.get("last_name") or ""),
        email=str(item.get("email") or ""),
        active=bool(item.get("active", True)),
    )


def _record(item: dict[str, Any]) -> RemoteRecord:
    fields = {k: v for k, v in item.items() if k not in ("id", "updated_at")}
    return RemoteRecord(id=str(_id(item)), fields=fields, updated_at=_when(item.get("updated_at")))


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None
