"""How people type a request's offences, on screen and in the portal: penalties in
months or "life", ICCS codes as a list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import Regexp

from mla.cases.constants import LIFE_MONTHS

ICCS_LIST = Regexp(
    r"^\s*(\d{2,8}\s*([;, ]\s*\d{2,8}\s*)*)?$",
    message=_l("ICCS codes are 2 to 8 digits, separated by commas."),
)


def parse_penalty(value: str | None) -> int | None:
    """'60' -> 60, 'life' -> LIFE_MONTHS, '' -> None; ValueError otherwise."""
    text = (value or "").strip().lower()
    if not text:
        return None
    if text == "life":
        return LIFE_MONTHS
    months = int(text)
    if months <= 0 or months >= LIFE_MONTHS:
        raise ValueError(text)
    return months


def split_codes(value: str | None) -> list[str]:
    return [c for c in (value or "").replace(";", ",").replace(" ", ",").split(",") if c]
