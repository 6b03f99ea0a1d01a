"""A second-factor code in digits that are not ASCII ('²²²²²²': six str.isdigit()
characters) is a wrong code, not a 500 (hmac.compare_digest refuses non-ASCII text)."""

from __future__ import annotations

import pyotp

from mla.auth.models import User
from mla.auth.two_factor import _accepted_step


def test_a_code_in_other_digits_is_refused():
    user = User(username="someone", role="caseworker")
    assert _accepted_step(user, pyotp.random_base32(), "²²²²²²") is None
    assert _accepted_step(user, pyotp.random_base32(), "١٢٣٤٥٦") is None
