"""Secrets the server must read back, kept sealed in the database.

A password or token is only ever compared, so it is stored hashed. A webhook's signing secret
signs every delivery, so the server must have it whole: it is stored encrypted and
authenticated (`cryptography`'s Fernet) under a key derived from `STUDYHALL_SECRET_KEY`. A copy
of the database, or one of its nightly backups, then gives the secrets away only together
with the installation's secret key.

Replacing the secret key: list the old one in `STUDYHALL_PREVIOUS_SECRET_KEYS`; what it sealed
still opens, and the housekeeping job (or `studyhall secrets reseal`) seals it again under the
new key, after which the old one can go.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SEALED = "sealed:v1:"
# Another use of the secret key (cursors, counters, huey's messages) never yields this key.
_PURPOSE = b"studyhall: sealed secrets, v1"


class Unreadable(ValueError):
    """Sealed under a key the server no longer has."""


def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


class Sealer:
    def __init__(self, secret_key: str, previous_keys: Sequence[str] = ()) -> None:
        self._current = _fernet(secret_key)
        self._any = MultiFernet([self._current, *(_fernet(k) for k in previous_keys)])

    def seal(self, plain: str) -> str:
        return SEALED + self._current.encrypt(plain.encode()).decode()

    def open(self, stored: str) -> str:
        """The secret; a value stored before sealing existed comes back as it is."""
        if not stored.startswith(SEALED):
            return stored
        try:
            return self._any.decrypt(stored.removeprefix(SEALED).encode()).decode()
        except InvalidToken:
            raise Unreadable(
                "sealed under a secret key this server does not have: list the old key in "
                "STUDYHALL_PREVIOUS_SECRET_KEYS, or replace the secret"
            ) from None

    def under_current_key(self, stored: str) -> bool:
        """Whether `stored` is sealed under the current key; Unreadable when no key opens it
        (a value stored plain, from before sealing, is not)."""
        if not stored.startswith(SEALED):
            return False
        token = stored.removeprefix(SEALED).encode()
        try:
            self._current.decrypt(token)
            return True
        except InvalidToken:
            self.open(stored)  # Unreadable unless a previous key opens it
            return False

    def sealed_anew(self, stored: str) -> str | None:
        """The value sealed under the current key, or None when it already is."""
        if self.under_current_key(stored):
            return None
        return self.seal(self.open(stored))


@lru_cache(maxsize=8)
def sealer(secret_key: str, previous_keys: tuple[str, ...] = ()) -> Sealer:
    """One per key set: deriving the keys is cheap, but not free on every delivery."""
    return Sealer(secret_key, previous_keys)
