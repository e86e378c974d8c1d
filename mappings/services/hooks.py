"""Tell the sync engine that staff links were made or changed (product.md §1, §3).

The mappings are flagged `pending_release` in the same transaction, so the work is never
lost: if `integrations.sync.release.staff_mapping_made` exists it is called after commit,
and it (or a later sweep over `staff_mappings_pending_release`) clears the flag with
`staff_mapping_release_done`.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable

from django.db import transaction

from mappings.models import StaffMapping

logger = logging.getLogger(__name__)

RELEASE_MODULE = "integrations.sync.release"
RELEASE_FUNCTION = "staff_mapping_made"


def _release_hook() -> Callable[..., object] | None:
    try:
        module = importlib.import_module(RELEASE_MODULE)
    except ModuleNotFoundError:
        return None
    return getattr(module, RELEASE_FUNCTION, None)


def mapping_changed(*, integration_id: int, remote_staff_ids: Iterable[int]) -> None:
    """Flag the links as pending release and call the sync engine's hook after commit."""
    ids = sorted(set(remote_staff_ids))
    if not ids:
        return
    StaffMapping.objects.filter(integration_id=integration_id, remote_id__in=ids).update(
        pending_release=True
    )
    hook = _release_hook()
    if hook is None:
        logger.info(
            "staff mappings pending release: integration %s, %d staff", integration_id, len(ids)
        )
        return
    transaction.on_commit(lambda: hook(integration_id=integration_id, remote_staff_ids=ids))


def staff_mapping_release_done(*, integration_id: int, remote_staff_ids: Iterable[int]) -> int:
    """Clear `pending_release` once held prospects and owner updates were queued."""
    return StaffMapping.objects.filter(
        integration_id=integration_id, remote_id__in=list(remote_staff_ids)
    ).update(pending_release=False)
