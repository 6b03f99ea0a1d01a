"""Builders for the pure engine: in-memory catalogues, no database."""

from __future__ import annotations

from typing import Any

from mla.cases.constants import LIFE_MONTHS
from mla.dualcrim.engine import CatalogueEntry, CheckInput, Policy, Verdict, evaluate
from mla.dualcrim.rules import load_rules

LIFE = LIFE_MONTHS
RULES = load_rules()


def entry(code: str, iccs: str | tuple[str, ...], months: int, title: str = "",
          jurisdiction: str = "XQ") -> CatalogueEntry:
    codes = (iccs,) if isinstance(iccs, str) else tuple(iccs)
    return CatalogueEntry(jurisdiction, code, title or code, codes, months)


def run(*, basis: str, kind: str = "extradition", iccs: tuple[str, ...] | str = ("0701",),
        requesting: int | None = 60, sentence: int | None = None, coercive: bool = True,
        catalogue: list[CatalogueEntry] | None = None, policy: Policy | None = None,
        list_category: Any = None) -> Verdict:
    """The verdict; ``catalogue=None`` means no catalogue is loaded for the requested state."""
    codes = (iccs,) if isinstance(iccs, str) else tuple(iccs)
    category = RULES.category(list_category) if list_category is not None else None
    inp = CheckInput(kind=kind, legal_basis=basis, requesting_country="FR",
                     requested_country="XQ", coercive=coercive, iccs=codes,
                     max_penalty_months=requesting, label="Offence", sentence_months=sentence,
                     list_category=category)
    return evaluate(inp, RULES, policy or Policy(), catalogue_loaded=catalogue is not None,
                    candidates=catalogue or [])


def rules_cited(verdict: Verdict) -> list[str]:
    return [reason.rule for reason in verdict.reasons]


def texts(verdict: Verdict) -> str:
    return " | ".join(f"{r.rule}: {r.text}" for r in verdict.reasons)
