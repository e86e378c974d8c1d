"""Encryption of secrets at rest (platform credentials, webhook secrets).

`CONNECTOR_ENCRYPTION_KEYS` is a comma-separated list of Fernet keys: the first encrypts, every
key decrypts, so a new key can be put first and old data re-encrypted at leisure.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


class DecryptionError(Exception):
    """A stored secret cannot be decrypted with any configured key."""


@cache
def _fernet() -> MultiFernet:
    keys = list(settings.CONNECTOR_ENCRYPTION_KEYS)
    if not keys:
        # Development and tests only (settings refuse to start without keys in production).
        digest = hashlib.sha256(("connector-dev:" + settings.SECRET_KEY).encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """Decrypt a stored token; raises DecryptionError when no key fits."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError("stored secret cannot be decrypted with the configured keys") from exc


def rotate(token: str) -> str:
    return _fernet().rotate(token.encode()).decode()


class EncryptedTextField(models.TextField):
    """A text column stored Fernet-encrypted; reads give the plaintext back."""

    def get_prep_value(self, value: object) -> object:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(str(value))

    def from_db_value(
        self, value: str | None, expression: object, connection: object
    ) -> str | None:
        if value in (None, ""):
            return value
        return decrypt(value)
