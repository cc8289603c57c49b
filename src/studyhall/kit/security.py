"""Opaque tokens: random, shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token(prefix: str) -> str:
    """A URL-safe token with 256 bits of randomness and a readable prefix (`shs_`, `shk_`)."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    """SHA-256 of a high-entropy token: enough, since such tokens cannot be guessed."""
    return hashlib.sha256(token.encode()).hexdigest()


def keyed_digest(secret_key: str, value: str) -> str:
    """An HMAC of a low-entropy value (an email) so it can be counted without being stored."""
    return hmac.new(secret_key.encode(), value.encode(), hashlib.sha256).hexdigest()
