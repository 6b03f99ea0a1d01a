"""Grounds for refusing mutual legal assistance: UNTOC art. 18(21), cited.

A workflow field of type ``refusal_ground`` offers exactly these. Art. 18(22)
(fiscal matters alone) is deliberately absent: it is *not* a ground, and the
form says so. Art. 18(23) requires reasons, so refusal steps ask for them;
art. 18(26) requires consultation before refusing or postponing.
Source: United Nations Convention against Transnational Organized Crime,
2225 UNTS 209, art. 18 paras 21-23, 26 (UN Treaty Collection, ch. XVIII-12).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class RefusalGround:
    code: str
    citation: str
    label: object  # a lazy translatable string


REFUSAL_GROUNDS: tuple[RefusalGround, ...] = (
    RefusalGround("not_in_conformity", "UNTOC art. 18(21)(a)",
                  _l("The request is not made in conformity with article 18")),
    RefusalGround("essential_interests", "UNTOC art. 18(21)(b)",
                  _l("Execution is likely to prejudice sovereignty, security, ordre public "
                     "or other essential interests")),
    RefusalGround("domestic_prohibition", "UNTOC art. 18(21)(c)",
                  _l("Domestic law would prohibit the action for a similar offence under "
                     "domestic investigation, prosecution or proceedings")),
    RefusalGround("contrary_to_legal_system", "UNTOC art. 18(21)(d)",
                  _l("Granting the request would be contrary to the legal system of the "
                     "requested State")),
)

GROUNDS_BY_CODE = {g.code: g for g in REFUSAL_GROUNDS}

FISCAL_NOTE = _l("Fiscal matters alone are not a ground for refusal (UNTOC art. 18(22)); "
                 "reasons must be given (art. 18(23)).")


def ground_choices() -> list[tuple[str, str]]:
    return [(g.code, f"{g.label} ({g.citation})") for g in REFUSAL_GROUNDS]
