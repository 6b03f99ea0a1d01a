"""The dual-criminality verdict: pure functions over the rules data and candidate offences.

Nothing here touches the database: the caller finds the requested state's
candidate offences (indexed lookups, see ``services.find_candidates``) and
passes them in, so the rules can be tested, and property-tested, in memory.
The steps follow CONTRACT.md ("Dual-criminality rules the verdict follows")
in order: exemptions, thresholds and absence of any match, review, satisfied.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from mla.cases.constants import LIFE_MONTHS
from mla.core.i18n import data_text, dualcrim_rule_key
from mla.dualcrim.rules import ListCategory, Rules, Threshold
from mla.reference.models import iccs_lineage


class Outcome(StrEnum):
    """What the check finds; a caseworker's decision is one of the first three."""

    SATISFIED = "satisfied"
    NOT_SATISFIED = "not_satisfied"
    NOT_REQUIRED = "not_required"
    REVIEW = "review"


SATISFIED = Outcome.SATISFIED
NOT_SATISFIED = Outcome.NOT_SATISFIED
NOT_REQUIRED = Outcome.NOT_REQUIRED
REVIEW = Outcome.REVIEW
VERDICTS = tuple(o.value for o in Outcome)

EXACT, BROADER, NARROWER = "exact", "broader", "narrower"
COVERING = (EXACT, BROADER)


# The reasons are worded in the reader's language when a page or the API asks
# (flask_babel; outside a request, English).
def months_label(months: int | None) -> str:
    if months is None:
        return _("unknown")
    if months >= LIFE_MONTHS:
        return _("life")
    return ngettext("%(num)d month", "%(num)d months", months)


def _match_label(kind: str) -> str:
    return {EXACT: _("exact match"), BROADER: _("broader match"),
            NARROWER: _("narrower match")}.get(kind, kind)


@dataclass(frozen=True)
class Policy:
    mla_policy: str = "coercive_only"
    extradition_minimum_months: int = 12


@dataclass(frozen=True)
class CatalogueEntry:
    jurisdiction: str
    code: str
    title: str
    iccs: tuple[str, ...]
    max_penalty_months: int
    statute: str = ""


@dataclass(frozen=True)
class Match:
    entry: CatalogueEntry
    match: str

    def as_dict(self) -> dict[str, Any]:
        entry = self.entry
        return {
            "jurisdiction": entry.jurisdiction, "code": entry.code, "title": entry.title,
            "statute": entry.statute, "iccs": list(entry.iccs),
            "max_penalty_months": "life" if entry.max_penalty_months >= LIFE_MONTHS
            else entry.max_penalty_months,
            "match": self.match,
        }


@dataclass(frozen=True)
class CheckInput:
    kind: str
    legal_basis: str
    requesting_country: str
    requested_country: str
    coercive: bool
    iccs: tuple[str, ...]
    max_penalty_months: int | None       # in the requesting state; LIFE_MONTHS for life
    label: str = ""
    sentence_months: int | None = None
    list_category: ListCategory | None = None  # explicit override of the mapping
    # Where the EAW/EIO list category comes from: "mapping" (the ICCS mapping, unless
    # list_category overrides it: POST /dual-criminality); "confirmed" (the category the
    # issuing authority ticked, as the caseworker confirmed it on the request's offence;
    # None = none ticked); "unconfirmed" (the mapping only suggests one: it exempts
    # nothing until confirmed, CJEU C-303/05).
    list_category_source: str = "mapping"
    # ECMA art. 5(1)(a): letters rogatory for search or seizure, and whether the
    # requested state reserved the right to require dual criminality for them.
    search_or_seizure: bool = False
    requested_reserved_dc: bool = False


@dataclass(frozen=True)
class Reason:
    rule: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "text": self.text}


@dataclass
class Verdict:
    verdict: Outcome
    reasons: list[Reason] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    list_category: ListCategory | None = None
    catalogue_loaded: bool = True

    def as_dict(self) -> dict[str, Any]:
        category = self.list_category
        return {
            "verdict": self.verdict,
            "reasons": [reason.as_dict() for reason in self.reasons],
            "matches": [match.as_dict() for match in self.matches],
            "list_category": None if category is None else {
                "number": category.number, "name": category.short_name_text},
            "catalogue_loaded": self.catalogue_loaded,
        }


def classify(conduct: Iterable[str], offence_codes: Iterable[str]) -> str | None:
    """How an offence's codes relate to the conduct's: exact, broader, narrower or None."""
    conduct = tuple(conduct)
    found: set[str] = set()
    for code in offence_codes:
        for wanted in conduct:
            if code == wanted:
                found.add(EXACT)
            elif code in iccs_lineage(wanted):
                found.add(BROADER)
            elif wanted in iccs_lineage(code):
                found.add(NARROWER)
    for kind in (EXACT, BROADER, NARROWER):
        if kind in found:
            return kind
    return None


def rank_matches(conduct: Iterable[str], entries: Iterable[CatalogueEntry]) -> list[Match]:
    """Covering offences first (highest penalty first), then partial matches."""
    conduct = tuple(conduct)
    matches = []
    seen: set[tuple[str, str]] = set()
    for entry in entries:
        key = (entry.jurisdiction, entry.code)
        kind = classify(conduct, entry.iccs)
        if kind is None or key in seen:
            continue
        seen.add(key)
        matches.append(Match(entry, kind))
    order = {EXACT: 0, BROADER: 0, NARROWER: 1}
    matches.sort(key=lambda m: (order[m.match], -m.entry.max_penalty_months, m.entry.code))
    return matches


LIST_BASES = frozenset({"EAW", "EIO"})
CATEGORY_SOURCES = ("mapping", "confirmed", "unconfirmed")


def suggested_category(codes: Iterable[str], rules: Rules) -> ListCategory | None:
    """The category the ICCS mapping suggests for the conduct (the first that covers it)."""
    found = rules.categories_for(tuple(codes))
    return found[0] if found else None


def list_category_of(inp: CheckInput, rules: Rules) -> ListCategory | None:
    if inp.list_category_source != "mapping" or inp.list_category is not None:
        return inp.list_category
    return suggested_category(inp.iccs, rules)


def _exemption(inp: CheckInput, rules: Rules, policy: Policy,
               category: ListCategory | None) -> Reason | None:
    """Step 1: the first exemption that applies, as a cited reason."""
    requesting = inp.max_penalty_months
    for exemption in rules.exemptions:
        if not exemption.applies_to(inp.legal_basis, inp.kind):
            continue
        if exemption.when == "list_category":
            if category is None or requesting is None:
                continue
            if requesting >= exemption.min_requesting_months:
                return Reason(exemption.rule, (
                    _("list offence '%(category)s', %(months)s months ≥ %(minimum)s: "
                      "no verification", category=category.short_name_text,
                      months=requesting, minimum=exemption.min_requesting_months)
                    if requesting < LIFE_MONTHS else
                    _("list offence '%(category)s', life ≥ %(minimum)s months: "
                      "no verification", category=category.short_name_text,
                      minimum=exemption.min_requesting_months)))
        elif exemption.when == "non_coercive":
            if not inp.coercive:
                return Reason(exemption.rule,
                              _("no coercive measure is requested: dual criminality is not "
                                "a condition"))
        elif exemption.when == "no_reservation":
            if not inp.search_or_seizure:
                return Reason(exemption.rule,
                              _("no search or seizure is requested: dual criminality is a "
                                "condition only for letters rogatory for search or seizure, "
                                "where the requested state reserved it"))
            if not inp.requested_reserved_dc:
                return Reason(exemption.rule,
                              _("the requested state made no reservation requiring dual "
                                "criminality for search or seizure"))
        elif exemption.when == "home_policy":
            if policy.mla_policy == "never":
                return Reason(exemption.rule,
                              _("the home authority does not require dual criminality for "
                                "mutual legal assistance (policy: never)"))
            if policy.mla_policy == "coercive_only" and not inp.coercive:
                return Reason(exemption.rule,
                              _("no coercive measure is requested and the home authority "
                                "requires dual criminality for coercive measures only"))
    return None


def _threshold(threshold: Threshold, inp: CheckInput, requested: int | None,
               policy: Policy) -> tuple[bool | None, Reason | None]:
    """(True: holds, False: fails, None: cannot be judged yet) and the reason to show."""
    rule = threshold.rule
    minimum = (threshold.min_months if threshold.min_months is not None
               else policy.extradition_minimum_months)
    requesting = inp.max_penalty_months
    if threshold.test == "sentence":
        if inp.sentence_months is None:
            return True, None
        if inp.sentence_months < minimum:
            return False, Reason(rule, _("the sentence imposed, %(sentence)s, is below "
                                         "%(minimum)s months",
                                         sentence=months_label(inp.sentence_months),
                                         minimum=minimum))
        return True, Reason(rule, _("the sentence imposed, %(sentence)s, reaches %(minimum)s "
                                    "months", sentence=months_label(inp.sentence_months),
                                    minimum=minimum))
    if threshold.test == "sentence_else_requesting_max":
        # EAW art. 2(1): a warrant to execute a sentence is judged by the sentence
        # passed, whatever the maximum; a warrant to prosecute by the maximum.
        sentence = inp.sentence_months
        if sentence is not None:
            if sentence >= threshold.min_sentence_months:
                return True, Reason(rule, _("a sentence of %(sentence)s was passed "
                                            "(≥ %(minimum)s)", sentence=months_label(sentence),
                                            minimum=threshold.min_sentence_months))
            return False, Reason(rule, _(
                "a sentence was passed: %(sentence)s is below %(minimum)s months, whatever "
                "the maximum (%(maximum)s)", sentence=months_label(sentence),
                minimum=threshold.min_sentence_months, maximum=months_label(requesting)))
        if requesting is None:
            return None, Reason(rule, _("the issuing state's maximum penalty is not known"))
        if requesting >= minimum:
            return True, Reason(rule, _("punishable by at least %(minimum)s months in the "
                                        "issuing state: %(maximum)s", minimum=minimum,
                                        maximum=months_label(requesting)))
        return False, Reason(rule, _("the issuing state's maximum, %(maximum)s, is below "
                                     "%(minimum)s months", maximum=months_label(requesting),
                                     minimum=minimum))
    if threshold.test == "both_max":
        if requesting is not None and requesting < minimum:
            return False, Reason(rule, _("the requesting state's maximum, %(maximum)s, is "
                                         "below %(minimum)s months",
                                         maximum=months_label(requesting), minimum=minimum))
        if requested is not None and requested < minimum:
            return False, Reason(rule, _("the requested state's maximum, %(maximum)s, is "
                                         "below %(minimum)s months",
                                         maximum=months_label(requested), minimum=minimum))
        if requesting is None or requested is None:
            return None, None
        if max(requesting, requested) < LIFE_MONTHS:
            return True, Reason(rule, _("punishable by at least %(minimum)s months in both: "
                                        "%(requesting)s and %(requested)s months",
                                        minimum=minimum, requesting=requesting,
                                        requested=requested))
        return True, Reason(rule, _("punishable by at least %(minimum)s months in both: "
                                    "%(requesting)s and %(requested)s", minimum=minimum,
                                    requesting=months_label(requesting),
                                    requested=months_label(requested)))
    # requested_max
    if requested is None:
        return None, None
    if requested < minimum:
        return False, Reason(rule, _("the requested state's maximum, %(maximum)s, is below "
                                     "the minimum of %(minimum)s months",
                                     maximum=months_label(requested), minimum=minimum))
    return True, Reason(rule, _("punishable by at least %(minimum)s months in the requested "
                                "state: %(maximum)s", minimum=minimum,
                                maximum=months_label(requested)))


def evaluate(inp: CheckInput, rules: Rules, policy: Policy, *, catalogue_loaded: bool,
             candidates: Iterable[CatalogueEntry]) -> Verdict:
    """The verdict for one offence, every reason citing its rule.

    With an unconfirmed list category (EAW/EIO), the mapping's suggestion exempts
    nothing: where it alone would have made verification unnecessary, the verdict is
    ``review`` until the caseworker confirms the category ticked on the warrant.
    """
    candidates = tuple(candidates)
    suggestion = suggested_category(inp.iccs, rules)
    if (inp.list_category_source != "unconfirmed" or inp.legal_basis not in LIST_BASES
            or suggestion is None):
        return _evaluate(inp, rules, policy, catalogue_loaded=catalogue_loaded,
                         candidates=candidates)
    without = _evaluate(replace(inp, list_category=None, list_category_source="confirmed"),
                        rules, policy, catalogue_loaded=catalogue_loaded, candidates=candidates)
    with_it = _evaluate(replace(inp, list_category=suggestion, list_category_source="confirmed"),
                        rules, policy, catalogue_loaded=catalogue_loaded, candidates=candidates)
    note = _("the ICCS mapping suggests list category '%(category)s'; only the category the "
             "issuing authority ticked counts: confirm it (CJEU C-303/05)",
             category=suggestion.short_name_text)
    without.reasons.insert(0, Reason(rules.list_citation, note))
    if with_it.verdict == NOT_REQUIRED and without.verdict in (NOT_SATISFIED, REVIEW):
        without.verdict = REVIEW
    return without


def _evaluate(inp: CheckInput, rules: Rules, policy: Policy, *, catalogue_loaded: bool,
              candidates: Iterable[CatalogueEntry]) -> Verdict:
    matches = rank_matches(inp.iccs, candidates) if catalogue_loaded else []
    category = list_category_of(inp, rules)
    reasons: list[Reason] = []
    result = Verdict(NOT_REQUIRED, reasons, matches, category, catalogue_loaded)

    # 0. scope: a threshold that defines the instrument's scope fails whatever the
    # exemptions (EAW art. 2(1): a 3-month sentence is outside it, list offence or not)
    for threshold in rules.thresholds:
        if threshold.is_scope and threshold.applies_to(inp.legal_basis, inp.kind):
            holds, reason = _threshold(threshold, inp, None, policy)
            if holds is False and reason is not None:
                reasons.append(reason)
                result.verdict = NOT_SATISFIED
                return result

    # 1. not_required
    exempt = _exemption(inp, rules, policy, category)
    if exempt is not None:
        reasons.append(exempt)
        return result
    if category is not None and inp.legal_basis in {"EAW", "EIO"}:
        reasons.append(Reason(rules.list_citation, _(
            "list offence '%(category)s', but the requesting maximum (%(maximum)s) is below "
            "36 months: dual criminality is verified", category=category.short_name_text,
            maximum=months_label(inp.max_penalty_months))))

    # 2. not_satisfied: thresholds, then absence of any match
    covering = [m for m in matches if m.match in COVERING]
    requested = covering[0].entry.max_penalty_months if covering else None
    failed = False
    unknown = False
    for threshold in rules.thresholds:
        if not threshold.applies_to(inp.legal_basis, inp.kind):
            continue
        holds, reason = _threshold(threshold, inp, requested, policy)
        if reason is not None:
            reasons.append(reason)
        failed = failed or holds is False
        unknown = unknown or holds is None
    dc_rule = data_text(dualcrim_rule_key(inp.legal_basis),
                        rules.dc_rules.get(inp.legal_basis, inp.legal_basis))
    codes = ", ".join(inp.iccs)
    if failed:
        result.verdict = NOT_SATISFIED
        return result
    if catalogue_loaded and not matches:
        reasons.append(Reason(dc_rule, _("no offence of the requested state (%(country)s) covers "
                                         "or partly matches the conduct (%(codes)s)",
                                         country=inp.requested_country, codes=codes)))
        result.verdict = NOT_SATISFIED
        return result

    # 3. review
    if not catalogue_loaded:
        reasons.append(Reason(dc_rule, _("no offence catalogue is loaded for the requested state "
                                         "(%(country)s): verify under its law",
                                         country=inp.requested_country)))
        result.verdict = REVIEW
        return result
    if not covering:
        reasons.append(Reason(dc_rule, _(
            "only narrower offences of the requested state (%(country)s) match the conduct "
            "(%(codes)s): they may not cover all of it",
            country=inp.requested_country, codes=codes)))
        result.verdict = REVIEW
        return result
    best = covering[0].entry
    reasons.append(Reason(dc_rule, _(
        "the conduct (%(codes)s) is an offence in the requested state (%(country)s): "
        "%(code)s %(title)s (%(match)s, %(maximum)s)", codes=codes, country=inp.requested_country,
        code=best.code, title=best.title, match=_match_label(covering[0].match),
        maximum=months_label(best.max_penalty_months))))
    if unknown:
        reasons.append(Reason(dc_rule, _("a penalty needed by a threshold is not known")))
        result.verdict = REVIEW
        return result

    # 4. satisfied
    if inp.legal_basis in {"EAW", "EIO"}:
        reasons.append(Reason(rules.dc_rules[inp.legal_basis],
                              _("any penalty in the executing state suffices")))
    result.verdict = SATISFIED
    return result
