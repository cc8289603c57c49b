"""The password policy, as properties: it must hold for every password, not just examples."""

from __future__ import annotations

import string

from hypothesis import assume, given
from hypothesis import strategies as st

from studyhall.accounts import passwords
from studyhall.accounts.passwords import MIN_LENGTH, policy_violations

emails = st.emails()
# Passwords that are long enough and random enough not to be on any common list.
strong = st.text(
    alphabet=string.ascii_letters + string.digits + "!-_. ", min_size=16, max_size=64
).filter(lambda p: len(set(p)) > 8)


@given(password=st.text(max_size=MIN_LENGTH - 1), email=emails)
def test_every_short_password_is_refused(password: str, email: str) -> None:
    assert any("at least" in v for v in policy_violations(password, email=email))


@given(email=emails)
def test_the_email_or_its_local_part_is_refused_in_any_case(email: str) -> None:
    for variant in (email, email.upper(), f"  {email} ", email.split("@")[0].title()):
        assert any("email" in v for v in policy_violations(variant, email=email))


@given(password=strong, email=emails)
def test_long_random_passwords_are_accepted(password: str, email: str) -> None:
    assume(password.strip().casefold() not in (email.casefold(), email.split("@")[0].casefold()))
    assert policy_violations(password, email=email) == []


def test_common_passwords_are_refused_whatever_their_case() -> None:
    for common in ("password1234", "qwertyuiop", "1234567890", "Iloveyou123"):
        folded = common.casefold()
        if folded in passwords._common_passwords():
            assert any("common" in v for v in policy_violations(common, email="x@example.com"))
    assert any("common" in v for v in policy_violations("QWERTYUIOP", email="x@example.com"))


def test_hashes_are_argon2id_and_verify() -> None:
    hashed = passwords.hash_password("violet-harbour-42-lantern")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify_password(hashed, "violet-harbour-42-lantern")
    assert not passwords.verify_password(hashed, "violet-harbour-42-lanterN")
    assert not passwords.verify_password("not a hash", "anything")
