"""Run the dual-criminality check, record decisions, keep the home policy settings.

Services take an explicit actor and flush; the request (or ``unit_of_work``) commits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, select, union_all

from mla.audit.services import record_audit
from mla.auth.actors import Actor
from mla.cases.constants import COERCIVE_MEASURES, LIFE_MONTHS
from mla.cases.models import Case, Offence
from mla.cases.services import add_event
from mla.core.clock import now
from mla.core.errors import ServiceError
from mla.dualcrim.engine import (
    CATEGORY_SOURCES,
    LIST_BASES,
    NOT_REQUIRED,
    NOT_SATISFIED,
    SATISFIED,
    CatalogueEntry,
    CheckInput,
    Policy,
    Verdict,
    evaluate,
)
from mla.dualcrim.models import (
    Assessment,
    CatalogueOffence,
    CatalogueOffenceIccs,
    OffenceCatalogue,
    PolicySetting,
)
from mla.dualcrim.queries import current_assessments
from mla.dualcrim.rules import BASES, KINDS, MLA_POLICIES, load_rules
from mla.extensions import db
from mla.reference.models import Country, IccsCode, Instrument, iccs_lineage
from mla.reference.services import is_user_assigned, known_country
from mla.settings import current_settings
from mla.treaties.services import has_reservation, treaty

# Matches shown per looked-up code: covering offences come best penalty first, so
# the one the thresholds read is always among them. Keeps a check's cost flat
# however large the catalogue.
MATCHES_PER_CODE = 10
REFERENCE_DATES = ("conduct", "request")
DECISIONS = (SATISFIED, NOT_SATISFIED, NOT_REQUIRED)


def _invalid(field: str, message: str) -> ServiceError:
    return ServiceError(message, code="invalid", details={"field": field})


# --- policy settings -----------------------------------------------------------------

def get_policy() -> Policy:
    rules = load_rules()
    stored = {row.key: row.value for row in db.session.scalars(select(PolicySetting))}
    policy = stored.get("mla_policy", rules.default_mla_policy)
    try:
        minimum = int(stored.get("extradition_minimum_months",
                                 rules.default_extradition_minimum))
    except ValueError:
        minimum = rules.default_extradition_minimum
    if policy not in MLA_POLICIES:
        policy = rules.default_mla_policy
    return Policy(mla_policy=policy, extradition_minimum_months=minimum)


def update_policy(actor: Actor, *, mla_policy: str, extradition_minimum_months: int) -> Policy:
    if mla_policy not in MLA_POLICIES:
        raise _invalid("mla_policy", _("Unknown MLA policy."))
    if not 1 <= extradition_minimum_months <= 600:
        raise _invalid("extradition_minimum_months",
                       _("The minimum is a number of months between 1 and 600."))
    before = get_policy()
    for key, value in (("mla_policy", mla_policy),
                       ("extradition_minimum_months", str(extradition_minimum_months))):
        row = db.session.get(PolicySetting, key) or PolicySetting(key=key)
        row.value = value
        row.updated_at = now()
        row.updated_by_id = getattr(actor, "id", None)
        db.session.add(row)
    db.session.flush()
    record_audit(actor, "dualcrim.policy_updated", object_type="dc_policy_settings",
                 object_id="home", before=[before.mla_policy, before.extradition_minimum_months],
                 after=[mla_policy, extradition_minimum_months])
    return get_policy()


def set_reference_date(actor: Actor, country_code: str, value: str) -> Country:
    country = known_country(country_code)
    if country is None:
        raise _invalid("country", _("Unknown country code %(code)s.", code=country_code))
    if value not in REFERENCE_DATES:
        raise _invalid("reference_date", _("The reference date is 'conduct' or 'request'."))
    before = country.dc_reference_date
    country.dc_reference_date = value
    db.session.flush()
    record_audit(actor, "dualcrim.reference_date_set", country, object_id=country.code,
                 before=before, after=value)
    return country


# --- finding candidates -----------------------------------------------------------------

def prefix_upper_bound(code: str) -> str | None:
    """The smallest string above every string starting with ``code`` (digits and letters)."""
    chars = list(code)
    while chars:
        last = chars.pop()
        if last not in "9zZ":
            return "".join(chars) + chr(ord(last) + 1)
    return None


def catalogue_loaded(jurisdiction: str) -> bool:
    return db.session.get(OffenceCatalogue, jurisdiction) is not None


def find_candidates(jurisdiction: str, codes: tuple[str, ...] | list[str],
                    limit: int = MATCHES_PER_CODE) -> list[CatalogueEntry]:
    """Offences of ``jurisdiction`` whose codes equal, contain or sit below the conduct's.

    One statement of indexed lookups: equality on each code and ancestor
    (best penalty first), a prefix range for each code's descendants; then one
    to load those offences and all their codes. The catalogue is never scanned.
    """
    link = CatalogueOffenceIccs
    ancestors = sorted({a for code in codes for a in iccs_lineage(code)})
    branches = []
    for code in ancestors:
        branches.append(
            select(link.offence_id)
            .where(link.jurisdiction == jurisdiction, link.iccs_code == code)
            .order_by(link.max_penalty_months.desc()).limit(limit).subquery().select())
    for code in sorted(set(codes)):
        upper = prefix_upper_bound(code)
        condition = and_(link.jurisdiction == jurisdiction, link.iccs_code > code)
        if upper is not None:
            condition = and_(condition, link.iccs_code < upper)
        branches.append(select(link.offence_id).where(condition)
                        .order_by(link.iccs_code).limit(limit).subquery().select())
    if not branches:
        return []
    ids = set(db.session.scalars(union_all(*branches)))
    if not ids:
        return []
    rows = db.session.execute(
        select(CatalogueOffence.id, CatalogueOffence.code, CatalogueOffence.title,
               CatalogueOffence.statute, CatalogueOffence.max_penalty_months)
        .where(CatalogueOffence.id.in_(ids))
    ).all()
    codes_of: dict[int, list[str]] = {}
    for offence_id, iccs_code in db.session.execute(
            select(link.offence_id, link.iccs_code).where(link.offence_id.in_(ids))
            .order_by(link.offence_id, link.position)):
        codes_of.setdefault(offence_id, []).append(iccs_code)
    return [CatalogueEntry(jurisdiction, row.code, row.title, tuple(codes_of.get(row.id, ())),
                           row.max_penalty_months, row.statute) for row in rows]


# --- the check ---------------------------------------------------------------------------

@dataclass
class CheckRequest:
    kind: str
    legal_basis: str
    requesting_country: str
    requested_country: str
    coercive: bool
    iccs: list[str]
    max_penalty_months: int | None
    label: str = ""
    sentence_months: int | None = None
    list_category: str | int | None = None
    # "mapping" (POST /dual-criminality), "confirmed" or "unconfirmed" (a request's
    # offence): see mla.dualcrim.engine.CheckInput.
    list_category_source: str = "mapping"
    # ECMA art. 5(1): letters rogatory for search or seizure (None: the coercive flag).
    search_or_seizure: bool | None = None
    # A bilateral treaty's threshold for extraditable offences (months), replacing the
    # home minimum for a request made under that treaty.
    treaty_threshold_months: int | None = None


# Measures that are "letters rogatory for search or seizure of property" (ECMA art. 5(1)).
SEARCH_OR_SEIZURE = frozenset({"search_seizure", "freezing"})


def validate_check(req: CheckRequest) -> CheckInput:
    """Turn a request into the engine's input, or raise a 422 naming the field."""
    if req.kind not in KINDS:
        raise _invalid("kind", _("Kind must be mla or extradition."))
    instrument = db.session.get(Instrument, req.legal_basis) if req.legal_basis in BASES else None
    if instrument is None:
        raise _invalid("legal_basis", _("Unknown legal basis %(basis)s.", basis=req.legal_basis))
    if not instrument.allows(req.kind):
        raise _invalid("legal_basis", _("%(basis)s cannot be the basis of a %(kind)s request.",
                                        basis=req.legal_basis, kind=req.kind))
    countries = {req.requesting_country.upper(), req.requested_country.upper()}
    known = set(db.session.scalars(select(Country.code).where(Country.code.in_(countries))))
    known |= {code for code in countries if is_user_assigned(code)}  # fictional states
    for field in ("requesting_country", "requested_country"):
        if getattr(req, field).upper() not in known:
            raise _invalid(field, _("Unknown country code %(code)s.", code=getattr(req, field)))
    codes = list(dict.fromkeys(code.strip() for code in req.iccs if code.strip()))
    if not codes:
        raise _invalid("offence.iccs", _("Code the conduct with at least one ICCS code."))
    found = set(db.session.scalars(select(IccsCode.code).where(IccsCode.code.in_(codes))))
    missing = [code for code in codes if code not in found]
    if missing:
        raise _invalid("offence.iccs", _("Unknown ICCS codes: %(codes)s.",
                                         codes=", ".join(missing)))
    penalty = req.max_penalty_months
    if penalty is not None and not 0 < penalty <= LIFE_MONTHS:
        raise _invalid("offence.max_penalty_months",
                       _("The maximum penalty is a positive number of months, or life."))
    if req.sentence_months is not None and req.sentence_months < 0:
        raise _invalid("offence.sentence_months", _("A sentence cannot be negative."))
    category = None
    if req.list_category_source not in CATEGORY_SOURCES:
        raise _invalid("offence.list_category", _("Unknown source of the list category."))
    if req.list_category not in (None, ""):
        category = load_rules().category(req.list_category)
        if category is None:
            raise _invalid("offence.list_category",
                           _("Unknown list category %(value)s.", value=req.list_category))
    return CheckInput(
        kind=req.kind, legal_basis=req.legal_basis,
        requesting_country=req.requesting_country.upper(),
        requested_country=req.requested_country.upper(), coercive=req.coercive,
        iccs=tuple(codes), max_penalty_months=penalty, label=req.label,
        sentence_months=req.sentence_months, list_category=category,
        list_category_source=req.list_category_source,
        search_or_seizure=req.coercive if req.search_or_seizure is None
        else req.search_or_seizure,
        requested_reserved_dc=has_reservation(req.requested_country.upper(), "ecma_art5_1_a"))


def run_check(req: CheckRequest) -> Verdict:
    inp = validate_check(req)
    jurisdiction = inp.requested_country
    loaded = catalogue_loaded(jurisdiction)
    candidates = find_candidates(jurisdiction, inp.iccs) if loaded else []
    policy = get_policy()
    if req.legal_basis == "BILATERAL" and req.treaty_threshold_months is not None:
        policy = replace(policy, extradition_minimum_months=req.treaty_threshold_months)
    return evaluate(inp, load_rules(), policy, catalogue_loaded=loaded,
                    candidates=candidates)


def verdict_payload(verdict: Verdict, requested_country: str) -> dict[str, Any]:
    data = verdict.as_dict()
    country = db.session.get(Country, requested_country.upper())
    data["reference_date"] = country.dc_reference_date if country else None
    return data


# --- case integration --------------------------------------------------------------------

def case_states(case: Case) -> tuple[str, str]:
    """(requesting, requested) from the case's direction."""
    home = current_settings().home_country
    if case.direction == "incoming":
        return case.counterpart_country, home
    return home, case.counterpart_country


def case_is_coercive(case: Case) -> bool:
    if case.kind == "extradition":
        return True
    return any(measure.code in COERCIVE_MEASURES for measure in case.measures)


# The value the case forms use for "the issuing authority ticked no list category".
NO_CATEGORY = "none"


def confirmed_category(offence: Offence) -> str | None:
    """The offence's confirmed list category as a form value (NO_CATEGORY: none ticked),
    or None while it is not confirmed."""
    if not offence.is_list_category_confirmed:
        return None
    return NO_CATEGORY if offence.list_category is None else str(offence.list_category)


def case_check_request(case: Case, offence: Offence, *, iccs: list[str] | None = None,
                       sentence_months: int | None = None,
                       list_category: str | None = None) -> CheckRequest:
    """The check for a request's offence. The list category is the one the issuing
    authority ticked (CJEU C-303/05): ``list_category`` as the caseworker is confirming
    it now, else the one confirmed on the offence; unconfirmed, the ICCS mapping only
    suggests one."""
    requesting, requested = case_states(case)
    chosen = list_category or confirmed_category(offence)
    source = "unconfirmed" if chosen is None else "confirmed"
    list_category = None if chosen in (None, NO_CATEGORY) else chosen
    return CheckRequest(
        kind=case.kind, legal_basis=case.legal_basis, requesting_country=requesting,
        requested_country=requested, coercive=case_is_coercive(case),
        iccs=list(iccs if iccs is not None else offence.iccs_codes),
        max_penalty_months=offence.max_penalty_months, label=offence.label,
        sentence_months=sentence_months, list_category=list_category,
        list_category_source=source,
        search_or_seizure=any(m.code in SEARCH_OR_SEIZURE for m in case.measures),
        treaty_threshold_months=_treaty_threshold(case))


def _treaty_threshold(case: Case) -> int | None:
    bound = treaty(case.treaty_id)
    return bound.dc_threshold_months if bound is not None else None


def record_assessment(actor: Actor, case: Case, offence: Offence, *, iccs: list[str],
                      decision: str, justification: str = "",
                      sentence_months: int | None = None,
                      list_category: str | None = None) -> Assessment:
    """Run the check again (never trust a posted verdict), keep the decision and a snapshot."""
    if offence.case_id != case.id:
        raise _invalid("offence", _("That offence is not part of this request."))
    req = case_check_request(case, offence, iccs=iccs, sentence_months=sentence_months,
                             list_category=list_category)
    verdict = run_check(req)
    decision = verdict.verdict if decision == "agree" else decision
    if decision not in DECISIONS:
        raise _invalid("decision", _("Choose a conclusion: the verdict needs review."))
    is_override = decision != verdict.verdict
    justification = justification.strip()
    if is_override and not justification:
        raise _invalid("justification", _("Explain why you depart from the verdict."))
    if offence.iccs_codes != req.iccs:
        offence.iccs_codes = list(req.iccs)
    if list_category and case.legal_basis in LIST_BASES:
        confirm_list_category(actor, case, offence, list_category)
    snapshot = verdict_payload(verdict, req.requested_country)
    snapshot["input"] = {"kind": req.kind, "legal_basis": req.legal_basis,
                         "requesting_country": req.requesting_country,
                         "requested_country": req.requested_country,
                         "coercive": req.coercive, "iccs": list(req.iccs),
                         "max_penalty_months": req.max_penalty_months,
                         "sentence_months": sentence_months, "list_category": list_category,
                         "list_category_source": req.list_category_source}
    assessment = Assessment(
        case_id=case.id, offence_id=offence.id, offence_label=offence.label,
        conduct_iccs=list(req.iccs), legal_basis=req.legal_basis,
        requesting_country=req.requesting_country, requested_country=req.requested_country,
        is_coercive=req.coercive, verdict=verdict.verdict, decision=decision,
        is_override=is_override, justification=justification, result=snapshot,
        decided_at=now(), decided_by_id=getattr(actor, "id", None))
    db.session.add(assessment)
    db.session.flush()
    add_event(case, actor, "dc_assessment",
              comment=justification,
              data={"assessment_id": assessment.id, "offence": offence.label,
                    "verdict": verdict.verdict, "decision": decision,
                    "is_override": is_override, "iccs": list(req.iccs)})
    record_audit(actor, "dualcrim.assessed", case, assessment_id=assessment.id,
                 verdict=verdict.verdict, decision=decision, is_override=is_override)
    return assessment


def confirm_list_category(actor: Actor, case: Case, offence: Offence, value: str) -> None:
    """Record the list category the issuing authority ticked on the warrant or order
    (a number 1-32, or NO_CATEGORY), replacing the ICCS mapping's suggestion."""
    if offence.case_id != case.id:
        raise _invalid("offence", _("That offence is not part of this request."))
    category = None
    if value != NO_CATEGORY:
        category = load_rules().category(value)
        if category is None:
            raise _invalid("list_category", _("Unknown list category %(value)s.", value=value))
    number = category.number if category else None
    if offence.is_list_category_confirmed and offence.list_category == number:
        return
    before = confirmed_category(offence)
    offence.list_category, offence.is_list_category_confirmed = number, True
    db.session.flush()
    label = (f"{category.number}. {category.short_name_text}" if category
             else _("none ticked on the warrant"))
    add_event(case, actor, "list_category_confirmed", is_internal=True,
              data={"offence": offence.label, "list_category": number,
                    "label": _("List category confirmed for %(offence)s: %(category)s",
                               offence=offence.label, category=label)})
    record_audit(actor, "dualcrim.list_category_confirmed", case, offence_id=offence.id,
                 before=before, after=value)


def mark_assessments_outdated(actor: Actor, case: Case, reason: str,
                              offence_ids: list[int] | None = None) -> list[Assessment]:
    """A correction changed what these decisions rested on: they no longer count, and
    the ``dual_criminality_assessed`` guard blocks until the offences are assessed again."""
    outdated = current_assessments(case.id, offence_ids)
    at = now()
    for assessment in outdated:
        assessment.is_outdated = True
        assessment.outdated_at = at
        assessment.outdated_reason = reason[:300]
    if outdated:
        db.session.flush()
        record_audit(actor, "dualcrim.outdated", case,
                     assessment_ids=[a.id for a in outdated], reason=reason[:300])
    return outdated
