"""Re-encrypting the secrets at rest with the first of CONNECTOR_ENCRYPTION_KEYS."""

from __future__ import annotations

from django.db import transaction

from integrations.models import Integration, WebhookEndpoint

# Every encrypted column: (model, field).
ENCRYPTED = ((Integration, "credentials"), (WebhookEndpoint, "secret"))


@transaction.atomic
def secrets_reencrypt() -> int:
    """Read every stored secret (any configured key decrypts) and write it back encrypted with
    the first key, so older keys can then be removed; returns the values rewritten.

    Raises crypto.DecryptionError when a value fits none of the configured keys (nothing is
    changed then: one transaction).
    """
    rewritten = 0
    for model, field in ENCRYPTED:
        rows = model.objects.exclude(**{field: ""}).values_list("pk", field)
        for pk, plaintext in rows.select_for_update().order_by("pk"):
            model.objects.filter(pk=pk).update(**{field: plaintext})
            rewritten += 1
    return rewritten
