"""Cursors are opaque and signed: a client gets back exactly what it was given, or a 400."""

from __future__ import annotations

import base64
import string
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from studyhall.kit.pagination import InvalidCursor, decode_cursor, encode_cursor

SECRET = "test-secret-key-that-is-long-enough-for-production"
URLSAFE = string.ascii_letters + string.digits + "-_"

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
keys = st.lists(json_values, max_size=5)
# No NUL: HMAC pads a short key with zero bytes, so "k" and "k\x00" sign alike; and the real
# secret comes from an environment variable, which cannot hold one. No lone surrogates either:
# the settings refuse a key that is not text (tests/test_config.py).
secrets = st.text(
    st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), min_size=1, max_size=64
)


def assert_refused(secret: str, cursor: str) -> None:
    """Refused as a bad cursor (400 naming `query.cursor`); any other exception fails the test."""
    with pytest.raises(InvalidCursor) as caught:
        decode_cursor(secret, cursor)
    assert caught.value.status == 400
    assert [e.field for e in caught.value.errors] == ["query.cursor"]


@given(key=keys, secret=secrets)
@example(key=[], secret="s")
@example(key=[2**70, -0.0, 1e-300, "\u00e9\U0001f600", {"a": [None, True]}], secret="s")
def test_any_json_key_list_round_trips(key: list[Any], secret: str) -> None:
    cursor = encode_cursor(secret, key)
    assert set(cursor) <= set(URLSAFE)  # safe in a query string without escaping
    assert decode_cursor(secret, cursor) == key


@given(text=st.text() | st.text(alphabet=URLSAFE + "+/="))
@example(text="")
@example(text="a")  # one character more than a multiple of four is not base64 at all
@example(text="\u00e9\u00e9\u00e9\u00e9")  # not ASCII
def test_arbitrary_text_is_refused_unless_it_is_exactly_an_issued_cursor(text: str) -> None:
    try:
        key = decode_cursor(SECRET, text)
    except InvalidCursor:
        return
    assert encode_cursor(SECRET, key) == text


@given(payload=st.binary(max_size=80))
def test_well_formed_base64_without_our_signature_is_refused(payload: bytes) -> None:
    forged = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    assert_refused(SECRET, forged)


@given(key=keys, ours=secrets, theirs=secrets)
def test_a_cursor_signed_with_another_secret_is_refused(
    key: list[Any], ours: str, theirs: str
) -> None:
    cursor = encode_cursor(theirs, key)
    if theirs == ours:
        assert decode_cursor(ours, cursor) == key
    else:
        assert_refused(ours, cursor)


@given(key=keys, data=st.data())
def test_changing_any_one_character_is_refused(key: list[Any], data: st.DataObject) -> None:
    """Every single-character change is refused, including the two kinds that base64 itself
    would forgive: `+`/`/` for `-`/`_`, and the last character's unused low bits (with 2 or 3
    characters in the final group, 4 or 2 of its bits carry no data, so several characters
    decode to the same bytes). The decoder accepts only the canonical spelling it issues."""
    cursor = encode_cursor(SECRET, key)
    index = data.draw(st.integers(0, len(cursor) - 1), label="index")
    replacement = data.draw(
        st.sampled_from(URLSAFE + "+/=.~ ") | st.characters(), label="replacement"
    )
    if replacement == cursor[index]:
        return
    assert_refused(SECRET, cursor[:index] + replacement + cursor[index + 1 :])


@given(key=keys, extra=st.text(min_size=1, max_size=4))
def test_truncated_or_extended_cursors_are_refused(key: list[Any], extra: str) -> None:
    cursor = encode_cursor(SECRET, key)
    assert_refused(SECRET, cursor[:-1])
    assert_refused(SECRET, cursor + extra)
    assert_refused(SECRET, extra + cursor)


def _cursor_where(condition: Any) -> str:
    for n in range(10_000):
        cursor = encode_cursor(SECRET, [n])
        if condition(cursor):
            return cursor
    raise AssertionError("no such cursor in the first 10,000")  # pragma: no cover


@pytest.mark.parametrize("final_group", [2, 3])
def test_unused_low_bits_of_the_last_character_are_not_a_second_spelling(
    final_group: int,
) -> None:
    cursor = _cursor_where(lambda c: len(c) % 4 == final_group)
    sibling = URLSAFE[URLSAFE.index(cursor[-1]) ^ 1]  # differs only in the lowest, unused bit
    spelling = cursor[:-1] + sibling
    padded = spelling + "=" * (-len(spelling) % 4)
    assert base64.urlsafe_b64decode(padded) == base64.urlsafe_b64decode(
        cursor + "=" * (-len(cursor) % 4)
    )  # the same bytes, so only the canonical check can refuse it
    assert_refused(SECRET, spelling)


def test_standard_alphabet_and_stray_characters_are_not_second_spellings() -> None:
    cursor = _cursor_where(lambda c: "-" in c or "_" in c)
    standard = cursor.replace("-", "+").replace("_", "/")
    assert_refused(SECRET, standard)
    assert_refused(SECRET, f"!{cursor}.")
    assert_refused(SECRET, cursor[:4] + "\n" + cursor[4:])
    assert decode_cursor(SECRET, cursor)  # the canonical spelling still works
