"""Telling the sync engine that staff links were made or changed (product.md §1, §3).

Dependencies run one way: the sync engine (`integrations`) calls mappings, never the reverse.
So the engine tells mappings, once at start-up, what to run when links are made
(`mapping_made_listen`, from `IntegrationsConfig.ready`): it releases held prospects and
sends owners that went out missing. The mappings are flagged `pending_release` in the same
transaction, so the work is never lost: the listener is called after commit, and it (or a
later sweep over the flagged mappings) clears the flag with `staff_mapping_release_done`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable

from django.db import transaction

from mappings.models import StaffMapping

logger = logging.getLogger(__name__)

MappingMadeListener = Callable[..., object]
_listeners: list[MappingMadeListener] = []


def mapping_made_listen(listener: MappingMadeListener) -> None:
    """Call `listener(integration_id=..., remote_staff_ids=[...])` after every commit that
    made or changed staff links (registering the same listener twice is harmless)."""
    if listener not in _listeners:
        _listeners.append(listener)


def mapping_changed(*, integration_id: int, remote_staff_ids: Iterable[int]) -> None:
    """Flag the links as pending release and call the listeners after commit."""
    ids = sorted(set(remote_staff_ids))
    if not ids:
        return
    StaffMapping.objects.filter(integration_id=integration_id, remote_id__in=ids).update(
        pending_release=True
    )
    if not _listeners:
        logger.info(
            "staff mappings pending release: integration %s, %d staff", integration_id, len(ids)
        )
    for listener in list(_listeners):
        transaction.on_commit(functools.partial(listener, integration_id=integration_id,
                                                remote_staff_ids=ids))


def staff_mapping_release_done(*, integration_id: int, remote_staff_ids: Iterable[int]) -> int:
    """Clear `pending_release` once held prospects and owner updates were queued."""
    return StaffMapping.objects.filter(
        integration_id=integration_id, remote_id__in=list(remote_staff_ids)
    ).update(pending_release=False)
