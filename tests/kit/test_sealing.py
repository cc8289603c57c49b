"""Sealed secrets: what is sealed opens only with the key that sealed it (or a previous key
the operator still lists), the sealed text does not show the secret, and resealing moves a
secret to the current key."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studyhall.kit.sealing import SEALED, Sealer, Unreadable
from studyhall.webhooks import signing

OLD, NEW = "an-old-secret-key-of-some-length-0123456789", "a-new-secret-key-of-another-length-98"


@given(st.text(max_size=300))
def test_what_is_sealed_opens_to_the_same_text(plain: str) -> None:
    sealer = Sealer(NEW)
    sealed = sealer.seal(plain)
    assert sealed.startswith(SEALED)
    assert sealer.open(sealed) == plain


def test_the_sealed_text_shows_neither_the_secret_nor_its_key() -> None:
    secret = signing.new_secret()
    sealed = Sealer(NEW).seal(secret)
    assert secret not in sealed
    assert secret.removeprefix(signing.SECRET_PREFIX) not in sealed
    # Sealing twice gives two texts (a fresh IV each time): equal secrets do not show as equal.
    assert Sealer(NEW).seal(secret) != sealed


def test_another_key_cannot_open_it_and_says_what_to_do() -> None:
    sealed = Sealer(OLD).seal("whsec_x")
    with pytest.raises(Unreadable, match="STUDYHALL_PREVIOUS_SECRET_KEYS"):
        Sealer(NEW).open(sealed)


def test_a_tampered_sealed_text_is_refused() -> None:
    sealed = Sealer(NEW).seal("whsec_x")
    body = sealed.removeprefix(SEALED)
    flipped = body[:-5] + ("A" if body[-5] != "A" else "B") + body[-4:]
    with pytest.raises(Unreadable):
        Sealer(NEW).open(SEALED + flipped)


def test_a_previous_key_still_opens_and_resealing_moves_the_secret_to_the_current_key() -> None:
    sealed_under_old = Sealer(OLD).seal("whsec_x")
    during = Sealer(NEW, [OLD])
    assert during.open(sealed_under_old) == "whsec_x"
    anew = during.sealed_anew(sealed_under_old)
    assert anew is not None
    assert Sealer(NEW).open(anew) == "whsec_x"  # the old key can go now
    assert during.sealed_anew(anew) is None  # already under the current key: left alone


def test_a_secret_stored_before_sealing_reads_as_it_is_and_gets_sealed() -> None:
    plain = signing.new_secret()
    sealer = Sealer(NEW)
    assert sealer.open(plain) == plain
    anew = sealer.sealed_anew(plain)
    assert anew is not None
    assert anew.startswith(SEALED)
    assert sealer.open(anew) == plain
