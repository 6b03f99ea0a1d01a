"""Grounds for refusal, as data: mla/data/grounds.toml, worded and cited as each article.

A workflow field of type ``refusal_ground`` offers the grounds of the request's
kind and legal basis: UNTOC art. 18(21) and 18(9) (UNCAC art. 46) for mutual legal
assistance, Directive 2014/41/EU art. 11 for an EIO, ECMA arts. 2 and 5 (the latter
only where the requested state made the reservation), the ECE and its Second
Additional Protocol (only between its parties) and UNTOC art. 16 for extradition.
What is never a ground (bank secrecy, UNTOC 18(8); fiscal matters alone, 18(22) and
16(15)) is shown next to the field. A ground may carry a duty: refusing extradition
of a national obliges the requested state to submit the case for prosecution
(*aut dedere aut judicare*, UNTOC art. 16(10); ECE art. 6(2)).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from mla.cases.models import Case, CaseEvent
from mla.core.i18n import (
    citation_words,
    data_text,
    ground_citation_key,
    ground_key,
    not_a_ground_key,
)
from mla.extensions import db
from mla.settings import current_settings
from mla.treaties.models import PARTY_INSTRUMENTS, RESERVATION_KINDS
from mla.treaties.services import both_parties, has_reservation

GROUNDS_FILE = Path(__file__).resolve().parent.parent / "data" / "grounds.toml"
KINDS = ("mla", "extradition")
DUTIES = ("aut_dedere",)
# The field name refusal steps record the ground under (workflow files use these).
GROUND_FIELDS = ("refusal_ground", "ground")


class GroundsError(ValueError):
    """The grounds file is wrong; the message names the entry."""


@dataclass(frozen=True)
class RefusalGround:
    code: str
    kinds: tuple[str, ...]
    bases: tuple[str, ...]
    citation: str
    label: str
    citations: tuple[tuple[str, str], ...] = ()
    unless_parties: str | None = None
    only_parties: str | None = None
    requires_reservation: str | None = None
    duty: str | None = None

    def citation_for(self, legal_basis: str) -> str:
        return dict(self.citations).get(legal_basis, self.citation)

    @property
    def citation_text(self) -> str:
        """The citation (not one of ``citations``) in the page's language where the file
        gives it in words; a legal citation as it is."""
        return data_text(ground_citation_key(self.code), self.citation)

    def citation_text_for(self, legal_basis: str) -> str:
        """``citation_for`` in the page's language where the file gives it in words (a
        legal citation shows as it is)."""
        if legal_basis in dict(self.citations):
            return data_text(ground_citation_key(self.code, legal_basis),
                             self.citation_for(legal_basis))
        return self.citation_text

    @property
    def label_text(self) -> str:
        """The ground in the page's language (mla.core.i18n); ``label`` is the file's."""
        return data_text(ground_key(self.code), self.label)


@dataclass(frozen=True)
class NotAGround:
    kinds: tuple[str, ...]
    bases: tuple[str, ...]
    citation: str
    text: str
    only_parties: str | None = None


_GROUND_KEYS = {"code", "kinds", "bases", "citation", "label", "citations", "unless_parties",
                "only_parties", "requires_reservation", "duty"}
_NOTE_KEYS = {"kinds", "bases", "citation", "text", "only_parties"}


def _checked(where: str, raw: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    unknown = set(raw) - keys
    if unknown:
        raise GroundsError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("kinds", "bases", "citation"):
        if not raw.get(key):
            raise GroundsError(f"{where}: {key} is required")
    try:  # a legal citation, or a source in words (mla.core.i18n.citation_words)
        raw = {**raw, "citation": citation_words(raw["citation"]),
               "citations": {basis: citation_words(value)
                             for basis, value in (raw.get("citations") or {}).items()}}
    except ValueError as exc:
        raise GroundsError(f"{where}: {exc}") from None
    if set(raw["kinds"]) - set(KINDS):
        raise GroundsError(f"{where}: kinds must be among {KINDS}")
    for key in ("unless_parties", "only_parties"):
        if raw.get(key) is not None and raw[key] not in PARTY_INSTRUMENTS:
            raise GroundsError(f"{where}: {key} must be one of {', '.join(PARTY_INSTRUMENTS)}")
    return raw


def parse_grounds(text: str) -> tuple[tuple[RefusalGround, ...], tuple[NotAGround, ...]]:
    data = tomllib.loads(text)
    grounds: list[RefusalGround] = []
    for index, raw in enumerate(data.get("ground", []), start=1):
        raw = _checked(f"ground #{index} {raw.get('code', '')!r}", raw, _GROUND_KEYS)
        if not raw.get("code") or not raw.get("label"):
            raise GroundsError(f"ground #{index}: code and label are required")
        if any(g.code == raw["code"] for g in grounds):
            raise GroundsError(f"ground {raw['code']!r}: defined twice")
        if raw.get("requires_reservation") not in (None, *RESERVATION_KINDS):
            raise GroundsError(f"ground {raw['code']!r}: unknown reservation")
        if raw.get("duty") not in (None, *DUTIES):
            raise GroundsError(f"ground {raw['code']!r}: duty must be one of {DUTIES}")
        grounds.append(RefusalGround(
            code=raw["code"], kinds=tuple(raw["kinds"]), bases=tuple(raw["bases"]),
            citation=raw["citation"], label=raw["label"],
            citations=tuple(sorted(raw.get("citations", {}).items())),
            unless_parties=raw.get("unless_parties"), only_parties=raw.get("only_parties"),
            requires_reservation=raw.get("requires_reservation"), duty=raw.get("duty")))
    notes = tuple(
        NotAGround(kinds=tuple(raw["kinds"]), bases=tuple(raw["bases"]),
                   citation=raw["citation"], text=raw["text"],
                   only_parties=raw.get("only_parties"))
        for index, entry in enumerate(data.get("not_a_ground", []), start=1)
        for raw in [_checked(f"not_a_ground #{index}", entry, _NOTE_KEYS)])
    if not grounds:
        raise GroundsError("the grounds file defines no [[ground]]")
    return tuple(grounds), notes


@cache
def load_grounds() -> tuple[tuple[RefusalGround, ...], tuple[NotAGround, ...]]:
    return parse_grounds(GROUNDS_FILE.read_text(encoding="utf-8"))


def all_grounds() -> tuple[RefusalGround, ...]:
    return load_grounds()[0]


def ground(code: str | None) -> RefusalGround | None:
    return next((g for g in all_grounds() if g.code == code), None)


# Every ground in the file, whatever the request (scenario packs name them).
GROUNDS_BY_CODE: dict[str, RefusalGround] = {g.code: g for g in all_grounds()}


# --- what a request may be refused on ----------------------------------------------------

def _between_parties(instrument: str, counterpart: str) -> bool:
    return both_parties(current_settings().home_country, counterpart, instrument)


def grounds_for(case: Case) -> list[RefusalGround]:
    """The grounds this request may be refused on (we are the requested state)."""
    home = current_settings().home_country
    offered = []
    for g in all_grounds():
        if case.kind not in g.kinds or case.legal_basis not in g.bases:
            continue
        if g.unless_parties and _between_parties(g.unless_parties, case.counterpart_country):
            continue
        if g.only_parties and not _between_parties(g.only_parties, case.counterpart_country):
            continue
        if g.requires_reservation and not has_reservation(home, g.requires_reservation):
            continue
        offered.append(g)
    return offered


def never_grounds(case: Case) -> list[NotAGround]:
    return [n for n in load_grounds()[1]
            if case.kind in n.kinds and case.legal_basis in n.bases
            and (n.only_parties is None
                 or _between_parties(n.only_parties, case.counterpart_country))]


def ground_choices(case: Case | None) -> list[tuple[str, str]]:
    if case is None:
        return []
    return [(g.code, f"{g.label_text} ({g.citation_text_for(case.legal_basis)})")
            for g in grounds_for(case)]


def not_a_ground_note(case: Case | None) -> str:
    """What the field's help says: what is never a ground, and that reasons are owed."""
    if case is None:
        return ""
    parts = [f"{data_text(not_a_ground_key(n.citation), n.text)} ({n.citation})"
             for n in never_grounds(case)]
    if case.kind == "mla" and case.legal_basis in ("UNTOC", "UNCAC", "BILATERAL",
                                                   "RECIPROCITY"):
        parts.append(str(_l("Reasons must be given (UNTOC art. 18(23)).")))
    return " ".join(parts)


# --- duties that follow a refusal -----------------------------------------------------

def chosen_ground(case: Case) -> RefusalGround | None:
    """The ground of the latest step on this request that recorded one."""
    events = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "transition")
        .order_by(CaseEvent.id.desc()))
    for event in events:
        values = event.values
        for name in GROUND_FIELDS:
            if values.get(name):
                return ground(values[name])
    return None


def duty_after_refusal(case: Case) -> str | None:
    found = chosen_ground(case)
    return found.duty if found is not None else None
