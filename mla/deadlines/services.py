"""Starting, stopping, pausing, resuming and extending clocks on a request.

Services take an explicit actor, write the request's timeline event and an
audit row, keep ``Case.next_due_at`` current, and flush; they never commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import available_timezones

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from mla.audit.services import record_audit
from mla.auth.actors import Actor
from mla.cases.models import Case, CaseEvent
from mla.cases.services import add_event, registered_in_this_transaction
from mla.core.clock import now
from mla.core.errors import ServiceError
from mla.core.remembered import remembered_get
from mla.deadlines.calendar import calendar_of, default_zone_name
from mla.deadlines.calendar import zone as calendar_zone
from mla.deadlines.models import (
    CountingSetting,
    CountryTimeZone,
    Deadline,
    DeadlineStatus,
    RuleSetting,
)
from mla.deadlines.rules import Rule, counting_defaults, get_rule
from mla.deadlines.schedule import schedule_next
from mla.extensions import db
from mla.notifications.letters import draft_letter
from mla.reference.models import Country
from mla.reference.services import known_country
from mla.settings import current_settings
from mla.treaties.services import both_parties, national_settings, treaty

OPEN = (DeadlineStatus.RUNNING, DeadlineStatus.PAUSED)


# --- whose clock ---------------------------------------------------------------------

def zone_name_for(country_code: str) -> str:
    override = remembered_get(CountryTimeZone, country_code)
    if override is not None:
        return override.zone_name
    country = remembered_get(Country, country_code)
    if country is not None and country.is_fictional:
        return "UTC"
    return default_zone_name(country_code)


def holiday_calendar_for(country_code: str) -> str:
    country = remembered_get(Country, country_code)
    return country.holiday_calendar if country is not None else ""


def side_country(case: Case, side: str) -> str:
    return current_settings().home_country if side == "home" else case.counterpart_country


def counting_of(rule: Rule, country_code: str) -> tuple[bool, bool]:
    """(is the day of the event counted, does an end on a non-working day move) for a
    clock of ``rule`` kept by ``country_code``: the rule's own convention, or the
    state's setting where the rule leaves it to national law."""
    setting = remembered_get(CountingSetting, country_code)
    defaults = counting_defaults()

    def state(value: bool | None, default: bool) -> bool:
        return default if value is None else value

    counts = rule.event_day == "state" and state(
        setting.counts_event_day if setting else None, defaults.counts_event_day)
    if rule.non_working_end == "state":
        moves = state(setting.moves_to_working_day if setting else None,
                      defaults.moves_to_working_day)
    else:
        moves = rule.non_working_end == "next_working_day"
    return counts, moves and not rule.is_custody


def set_counting(actor: Actor, country_code: str, *, counts_event_day: bool | None,
                 moves_to_working_day: bool | None) -> CountingSetting | None:
    """Record how a state's law counts periods (None: back to the documented default).
    Clocks already running keep the convention they started with."""
    country = known_country(country_code)
    if country is None:
        raise ServiceError(str(_l("Unknown country.")), code="invalid",
                           details={"field": "country_code"})
    setting = db.session.get(CountingSetting, country.code)
    if counts_event_day is None and moves_to_working_day is None:
        if setting is not None:
            db.session.delete(setting)
        setting = None
    else:
        setting = setting or CountingSetting(country_code=country.code)
        setting.counts_event_day = counts_event_day
        setting.moves_to_working_day = moves_to_working_day
        setting.updated_at = now()
        setting.updated_by_id = getattr(actor, "id", None)
        db.session.add(setting)
    db.session.flush()
    record_audit(actor, "deadlines.counting_set", object_type="countries",
                 object_id=country.code, counts_event_day=counts_event_day,
                 moves_to_working_day=moves_to_working_day)
    return setting


# --- computing -----------------------------------------------------------------------

def as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):  # an instant: the day it was at home, never its UTC date
        return value.astimezone(calendar_zone(zone_name_for(current_settings().home_country)))\
            .date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ServiceError(f"{value!r} is not a date (YYYY-MM-DD).", code="invalid") from None


def compute(deadline: Deadline) -> None:
    """Set due_at (and soft_due_at) from the inputs kept on the row."""
    cal = calendar_of(deadline)
    shift = deadline.paused_days + deadline.extended_days
    if deadline.agreed_due_on is not None:
        due_day = deadline.agreed_due_on
    elif deadline.fixed_due_on is not None:
        due_day = cal.add_days(deadline.fixed_due_on, shift, deadline.is_business)
    else:
        due_day = cal.add_days(deadline.start_on, deadline.period_days + shift,
                               deadline.is_business)
        if deadline.counts_event_day:  # the day of the event is the period's first day
            due_day = cal.days_before(due_day, 1, deadline.is_business)
    if deadline.moves_to_working_day:
        while not cal.is_business_day(due_day):
            due_day += timedelta(days=1)
    deadline.due_at = cal.end_of_day(due_day)
    if deadline.soft_days and deadline.fixed_due_on is None and deadline.agreed_due_on is None:
        soft_day = cal.add_days(deadline.start_on, deadline.soft_days + deadline.paused_days,
                                deadline.is_business)
        deadline.soft_due_at = cal.end_of_day(soft_day)
    else:
        deadline.soft_due_at = None


# The open clocks of each request this unit of work touched (see open_clocks).
_OPEN_CLOCKS = "deadlines.open_clocks"


def open_clocks(case: Case) -> list[Deadline]:
    """The request's running and paused clocks, oldest first.

    Read once per unit of work (a step that stops one clock and starts another asks
    four times): the verbs here add the clocks they start and change the status of
    those they end on these same objects, so the list is filtered by status on every
    call. A request registered in this unit of work has none to read. Forgotten at
    commit and at any rollback."""
    known: dict[int, list[Deadline]] = db.session.info.setdefault(_OPEN_CLOCKS, {})
    if case.id not in known and registered_in_this_transaction(case):
        known[case.id] = []
    elif case.id not in known:
        # No autoflush: a clock is flushed as soon as it is started (start_deadline), and
        # the status filter below reads the objects, so a pending change is seen anyway.
        with db.session.no_autoflush:
            known[case.id] = list(db.session.scalars(select(Deadline).where(
                Deadline.case_id == case.id, Deadline.status.in_(OPEN)).order_by(Deadline.id)))
    return [d for d in known[case.id] if d.status in OPEN]


def _started(case: Case, deadline: Deadline) -> None:
    known = db.session.info.get(_OPEN_CLOCKS, {}).get(case.id)
    if known is not None:  # not read yet: the read will find it (autoflush)
        known.append(deadline)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
@event.listens_for(Session, "after_soft_rollback")
def _forget_open_clocks(session: Session, *_args: Any) -> None:
    session.info.pop(_OPEN_CLOCKS, None)
    session.info.pop(_NEXT_DUE_LATER, None)


# Requests whose next due date is refreshed once, when their step's effects end.
_NEXT_DUE_LATER = "deadlines.next_due_later"


@contextmanager
def next_due_refreshed_once(case: Case) -> Iterator[None]:
    """Within a step's effects (mla.deadlines.hooks registers this around them), the
    verbs below leave ``Case.next_due_at`` alone and it is set once at the end: one
    UPDATE of the request for a step that stops a clock and starts another, not two."""
    waiting: set[int] = db.session.info.setdefault(_NEXT_DUE_LATER, set())
    if case.id in waiting:  # a step taken inside a step's effects: the outer one refreshes
        yield
        return
    waiting.add(case.id)
    try:
        yield
    finally:
        waiting.discard(case.id)
    refresh_next_due(case)


def refresh_next_due(case: Case) -> None:
    """Case.next_due_at = the earliest running deadline (list filters read it); from the
    clocks in memory, so no flush and no query, and no UPDATE when it did not move."""
    if case.id in db.session.info.get(_NEXT_DUE_LATER, ()):
        return
    due = min((d.due_at for d in open_clocks(case) if d.status == DeadlineStatus.RUNNING),
              default=None)
    if case.next_due_at != due:
        case.next_due_at = due


def open_deadline(case: Case, rule_code: str) -> Deadline | None:
    found = [d for d in open_clocks(case) if d.rule_code == rule_code]
    return found[-1] if found else None


def _event(case: Case, actor: Actor, deadline: Deadline, action: str, comment: str = "",
           **data: Any) -> CaseEvent:
    payload = {"rule": deadline.rule_code, "action": action, "deadline_id": deadline.id,
               "due_at": deadline.due_at.isoformat(), "zone": deadline.zone_name, **data}
    return add_event(case, actor, "deadline", comment=comment, data=payload, is_internal=True)


def _schedule(deadline: Deadline) -> None:
    schedule_next(deadline, get_rule(deadline.rule_code))


# --- the verbs -----------------------------------------------------------------------

def start_deadline(case: Case, rule_code: str, *, actor: Actor,
                   values: dict[str, Any] | None = None, event: CaseEvent | None = None,
                   at: datetime | None = None) -> Deadline | None:
    """Start the rule's clock on the request, or recompute the one already running
    (e.g. the person consents: the EAW decision is then due 10 days after consent)."""
    rule = get_rule(rule_code)
    values = values or {}
    at = at or now()
    existing = open_deadline(case, rule_code)
    not_applicable = _out_of_scope(case, rule) if existing is None else None
    if not_applicable:
        add_event(case, actor, "deadline", comment=not_applicable, is_internal=True,
                  data={"rule": rule.code, "action": "not_applicable"})
        return None
    deadline = existing or Deadline(case_id=case.id, rule_code=rule.code, started_at=at,
                                    status=DeadlineStatus.RUNNING, paused_days=0, extended_days=0,
                                    extensions=0, cycle=0, created_at=at)
    zone_country = side_country(case, rule.zone)
    deadline.country_code = zone_country
    deadline.zone_name = zone_name_for(zone_country)
    deadline.holiday_calendar = holiday_calendar_for(side_country(case, rule.calendar))
    deadline.is_business = rule.is_business
    deadline.is_custody = rule.is_custody
    deadline.counts_event_day, deadline.moves_to_working_day = counting_of(rule, zone_country)
    cal = calendar_of(deadline)
    runs_from_consent = (existing is not None and rule.consent_days is not None
                         and existing.period_days == rule.consent_days)
    start_on = as_date(values.get(rule.start_field)) if rule.start_field else None
    deadline.period_days, period_source = _period_of(case, rule)
    if period_source == "treaty":
        deadline.is_business = False  # treaties count calendar days
    deadline.soft_days = rule.soft_days
    consent_on = as_date(values.get(rule.consent_field)) if rule.consent_field else None
    new_date = as_date(values.get(rule.new_date_field)) if rule.new_date_field else None
    if consent_on is not None and rule.consent_days is not None:
        start_on, deadline.period_days, deadline.soft_days = consent_on, rule.consent_days, None
    elif runs_from_consent and existing is not None and rule.consent_days is not None:
        # EAW art. 17(2): once consent is given the decision is due 10 days after it,
        # whatever arrest date is recorded afterwards.
        start_on, deadline.period_days, deadline.soft_days = (existing.start_on,
                                                              rule.consent_days, None)
    if new_date is not None:
        # EAW art. 23(3)-(4): a new date agreed; the period runs again from it.
        start_on, deadline.period_days, deadline.soft_days = new_date, rule.days, None
    if existing is not None and start_on is None and rule.start_field:
        start_on = existing.start_on  # e.g. consent given: the arrest date stays the start
    deadline.start_on = start_on or cal.local_date(at)
    deadline.fixed_due_on = None
    deadline.agreed_due_on = None
    if rule.due_from == "due_on":
        due_on = as_date(values.get("due_on"))
        if due_on is None and rule.days == 0:
            raise ServiceError(str(_l("This step needs the date the deadline falls due.")),
                               code="invalid", details={"field": "due_on"})
        deadline.fixed_due_on = due_on
    compute(deadline)
    _schedule(deadline)  # before the INSERT: it carries it, no UPDATE after
    if existing is None:
        deadline = _insert(deadline)
        _started(case, deadline)
    else:
        db.session.flush()
    _event(case, actor, deadline, "restarted" if existing else "started",
           comment=rule.title, start_on=deadline.start_on.isoformat(),
           period_days=deadline.period_days, period_from=period_source)
    record_audit(actor, "deadline.start", case, rule=rule.code, deadline_id=deadline.id)
    refresh_next_due(case)
    return deadline


def _insert(deadline: Deadline) -> Deadline:
    """INSERT the new clock alone and return it, persistent, with its id: its event and
    audit row name the id, and the step's other pending rows (its events, audit rows)
    stay pending, to go in one INSERT per table at the step's flush."""
    state = inspect(deadline)
    values = {attr.key: getattr(deadline, attr.key) for attr in state.mapper.column_attrs
              if attr.key in state.dict}
    with db.session.no_autoflush:
        return db.session.scalars(insert(Deadline).values(**values).returning(Deadline)).one()


def _out_of_scope(case: Case, rule: Rule) -> str:
    """Why the rule does not apply to this request ('' when it does)."""
    home = current_settings().home_country
    if rule.between_parties and not both_parties(home, case.counterpart_country,
                                                 rule.between_parties):
        return _citing(rule, _l(
            "%(rule)s: not applicable, both states are not parties to %(citation)s.",
            rule=rule.title_text, citation=rule.citation_text), _l(
            "%(rule)s: not applicable, the two states are not both parties to the "
            "instrument. Applicable rule: %(citation)s.",
            rule=rule.title_text, citation=rule.citation_text))
    if rule.requires_rule and db.session.scalar(select(Deadline.id).where(
            Deadline.case_id == case.id, Deadline.rule_code == rule.requires_rule)) is None:
        return str(_l("%(rule)s: not applicable to this procedure (%(citation)s).",
                      rule=rule.title_text, citation=rule.citation_text))
    return ""


def _citing(rule: Rule, legal: LazyString, in_words: LazyString) -> str:
    """A message that names the rule's citation: a legal reference reads as part of a
    sentence ("EIO art. 12(5) does not allow ..."), a citation in words does not
    ("Internal service level of the central authority does not allow ...", "as often as
    Droit interne (...) le permet"): the sentence says what is refused without it and the
    citation follows a label, as in the letters (Rule.citation_is_words). Not in
    parentheses: citations in words often hold their own."""
    return str(in_words if rule.citation_is_words else legal)


def _period_of(case: Case, rule: Rule) -> tuple[int, str]:
    """The period and where it comes from: the request's bilateral treaty, the home
    state's law (a per-state setting), or the rules file."""
    if rule.treaty_days:
        bound = treaty(case.treaty_id)
        days = getattr(bound, rule.treaty_days) if bound is not None else None
        if days:
            return days, "treaty"
    if rule.national_days:
        return getattr(national_settings(current_settings().home_country),
                       rule.national_days), "national"
    return rule.days, "rule"


def stop_deadline(case: Case, rule_code: str, *, actor: Actor, event: CaseEvent | None = None,
                  status: DeadlineStatus = DeadlineStatus.MET) -> Deadline | None:
    """Mark the rule's open clock met (or stopped). No open clock: nothing to do."""
    get_rule(rule_code)
    deadline = open_deadline(case, rule_code)
    if deadline is None:
        return None
    _end(case, deadline, actor, status)
    refresh_next_due(case)
    return deadline


def _end(case: Case, deadline: Deadline, actor: Actor, status: DeadlineStatus) -> None:
    at = now()
    deadline.status = status
    deadline.ended_at = at
    deadline.paused_at = None
    deadline.next_reminder_at = None
    late = status == DeadlineStatus.MET and at > deadline.due_at
    _event(case, actor, deadline, status, comment=get_rule(deadline.rule_code).title, late=late)
    record_audit(actor, f"deadline.{status}", case, rule=deadline.rule_code,
                 deadline_id=deadline.id, late=late)


def stop_all_clocks(case: Case, *, actor: Actor) -> int:
    """The request closed: every open clock stops."""
    deadlines = open_clocks(case)
    for deadline in deadlines:
        _end(case, deadline, actor, DeadlineStatus.STOPPED)
    refresh_next_due(case)
    return len(deadlines)


def pause_clocks(case: Case, *, actor: Actor, reason: str = "") -> list[Deadline]:
    """Pause every running clock whose rule allows it (custody clocks never pause)."""
    at = now()
    paused = []
    for deadline in open_clocks(case):
        if deadline.status != DeadlineStatus.RUNNING or not get_rule(deadline.rule_code).pausable:
            continue
        deadline.status = DeadlineStatus.PAUSED
        deadline.paused_at = at
        deadline.pause_reason = reason[:300]
        deadline.next_reminder_at = None
        paused.append(deadline)
        _event(case, actor, deadline, "paused", comment=reason)
    if paused:
        record_audit(actor, "deadline.pause", case, count=len(paused))
    refresh_next_due(case)
    return paused


def resume_clocks(case: Case, *, actor: Actor) -> list[Deadline]:
    """Resume paused clocks; the days spent paused (in the rule's unit) move the due date."""
    at = now()
    resumed = []
    for deadline in open_clocks(case):
        if deadline.status != DeadlineStatus.PAUSED:
            continue
        cal = calendar_of(deadline)
        assert deadline.paused_at is not None
        days = cal.days_between(cal.local_date(deadline.paused_at), cal.local_date(at),
                                deadline.is_business)
        deadline.paused_days += max(days, 0)
        deadline.status = DeadlineStatus.RUNNING
        deadline.paused_at = None
        deadline.pause_reason = ""
        deadline.reminded_through = at
        compute(deadline)
        _schedule(deadline)
        resumed.append(deadline)
        _event(case, actor, deadline, "resumed", paused_days=days)
    if resumed:
        record_audit(actor, "deadline.resume", case, count=len(resumed))
    refresh_next_due(case)
    return resumed


def extension_refusal(deadline: Deadline) -> str | None:
    """Why this clock cannot be extended whatever is asked, in the reader's language, or
    None when it can: it has ended, its rule gives no extension, or it has had every
    "fixed" extension its rule allows (a new date agreed is not counted: each is an
    agreement, not a quota). The extend page sends the reader back with it and the
    request page offers the action only where it is None."""
    rule = get_rule(deadline.rule_code)
    if not deadline.is_open:
        return str(_l("Only a running or paused deadline can be extended."))
    if not rule.can_extend:
        return _citing(rule, _l(
            "%(citation)s does not allow this deadline to be extended.",
            citation=rule.citation_text), _l(
            "This deadline cannot be extended. Applicable rule: %(citation)s.",
            citation=rule.citation_text))
    if not rule.extends_to_agreed_date and deadline.extensions >= rule.max_extensions:
        return _citing(rule, _l(
            "This deadline has been extended as often as %(citation)s allows.",
            citation=rule.citation_text), _l(
            "This deadline has been extended as often as its rule allows. Applicable "
            "rule: %(citation)s.", citation=rule.citation_text))
    return None


def extend_deadline(actor: Actor, deadline: Deadline, *, reason: str,
                    days: int | None = None, agreed_on: date | None = None) -> Deadline:
    """Extend as the article allows, with a reason; drafts the notice letter the rule names.

    A "fixed" rule adds at most ``extension_days``, ``max_extensions`` times (EAW art.
    17(4); EIO art. 12(5)). An "agreed_date" rule moves only to ``agreed_on``, the new
    date agreed with the other side (EIO art. 12(6); UNTOC art. 18(24)); days are refused.
    """
    rule = get_rule(deadline.rule_code)
    reason = (reason or "").strip()
    refusal = extension_refusal(deadline)
    if refusal is not None:
        raise ServiceError(refusal, code="invalid")
    if not reason:
        raise ServiceError(str(_l("Give the reason for the extension.")), code="invalid",
                           details={"field": "reason"})
    if rule.extends_to_agreed_date:
        return _move_to_agreed_date(actor, deadline, rule, reason, days, agreed_on)
    if agreed_on is not None:
        raise ServiceError(_citing(rule, _l(
            "%(citation)s extends by a number of days, not to a date.",
            citation=rule.citation_text), _l(
            "This deadline is extended by a number of days, not to a date. Applicable "
            "rule: %(citation)s.",
            citation=rule.citation_text)), code="invalid", details={"field": "agreed_on"})
    days = rule.extension_days if days is None else days
    if not 0 < days <= rule.extension_days:
        raise ServiceError(str(_l("An extension is between 1 and %(days)s days.",
                                  days=rule.extension_days)), code="invalid",
                           details={"field": "days"})
    case = deadline.case
    deadline.extended_days += days
    deadline.extensions += 1
    deadline.extension_reason = reason
    compute(deadline)
    _schedule(deadline)
    if rule.extension_letter:
        letter = draft_letter(case, rule.extension_letter, actor=actor, deadline=deadline,
                              key=f"dl:{deadline.id}:extension:{deadline.extensions}",
                              values={"reason": reason, "days": days})
        deadline.extension_notice = f"{letter.subject} ({letter.status})"[:200]
    _event(case, actor, deadline, "extended", comment=reason, days=days)
    record_audit(actor, "deadline.extend", case, rule=rule.code, deadline_id=deadline.id,
                 days=days)
    refresh_next_due(case)
    return deadline


def _move_to_agreed_date(actor: Actor, deadline: Deadline, rule: Rule, reason: str,
                         days: int | None, agreed_on: date | None) -> Deadline:
    if days is not None:
        raise ServiceError(_citing(rule, _l(
            "%(citation)s gives no number of days: enter the new date agreed with the other "
            "side.", citation=rule.citation_text), _l(
            "This deadline is not extended by a number of days: enter the new date agreed "
            "with the other side. Applicable rule: %(citation)s.", citation=rule.citation_text)),
            code="invalid", details={"field": "days"})
    if agreed_on is None:
        raise ServiceError(str(_l("Enter the new date agreed with the other side.")),
                           code="invalid", details={"field": "agreed_on"})
    cal = calendar_of(deadline)
    if agreed_on <= cal.local_date(deadline.due_at):
        raise ServiceError(str(_l("The date agreed must be later than the date now due.")),
                           code="invalid", details={"field": "agreed_on"})
    case = deadline.case
    deadline.agreed_due_on = agreed_on
    deadline.extensions += 1
    deadline.extension_reason = reason
    compute(deadline)
    _schedule(deadline)
    if rule.extension_letter:
        letter = draft_letter(case, rule.extension_letter, actor=actor, deadline=deadline,
                              key=f"dl:{deadline.id}:extension:{deadline.extensions}",
                              values={"reason": reason, "agreed_on": agreed_on})
        deadline.extension_notice = f"{letter.subject} ({letter.status})"[:200]
    _event(case, actor, deadline, "extended", comment=reason, agreed_on=agreed_on.isoformat())
    record_audit(actor, "deadline.extend", case, rule=rule.code, deadline_id=deadline.id,
                 agreed_on=agreed_on.isoformat())
    refresh_next_due(case)
    return deadline


def set_send_without_approval(actor: Actor, code: str, value: bool) -> RuleSetting:
    setting = db.session.get(RuleSetting, code) or RuleSetting(rule_code=code)
    setting.send_without_approval = value
    setting.updated_at = now()
    setting.updated_by_id = getattr(actor, "id", None)
    db.session.add(setting)
    db.session.flush()
    record_audit(actor, "deadline.rule_setting", object_type="deadline_rule",
                 object_id=code, send_without_approval=value)
    return setting


def sends_without_approval(code: str | None, rule: Rule | None = None) -> bool:
    if code:
        setting = remembered_get(RuleSetting, code)
        if setting is not None:
            return setting.send_without_approval
    return bool(rule and rule.send_without_approval)


# --- reading -------------------------------------------------------------------------

@dataclass
class DeadlineView:
    deadline: Deadline
    rule: Rule
    status: str
    days_left: int
    unit: str

    @property
    def can_extend(self) -> bool:
        return extension_refusal(self.deadline) is None

    def as_dict(self) -> dict[str, Any]:
        d = self.deadline
        return {
            "id": d.id, "name": d.rule_code, "title": self.rule.title_text,
            "citation": self.rule.citation_text, "due_at": d.due_at, "status": self.status,
            "days_left": self.days_left, "unit": self.unit, "is_custody": d.is_custody,
            "soft_due_at": d.soft_due_at, "started_at": d.started_at,
            "start_on": d.start_on.isoformat(), "extensions": d.extensions,
            "extension_reason": d.extension_reason, "extension_notice": d.extension_notice,
            "paused_at": d.paused_at, "pause_reason": d.pause_reason, "ended_at": d.ended_at,
            "time_zone": d.zone_name,
        }


def view_of(deadline: Deadline, at: datetime | None = None) -> DeadlineView:
    at = at or now()
    rule = get_rule(deadline.rule_code)
    cal = calendar_of(deadline)
    reference = deadline.paused_at if deadline.status == "paused" else at
    assert reference is not None
    days_left = cal.days_between(cal.local_date(reference), cal.local_date(deadline.due_at),
                                 deadline.is_business)
    if deadline.status == "paused":
        status = "paused"
    elif deadline.status == "running" and deadline.due_at < at:
        status = "missed"
    elif deadline.status == "running":
        status = "extended" if deadline.extensions else "running"
    elif deadline.status == "met" and deadline.ended_at and deadline.ended_at > deadline.due_at:
        status = "missed"
    else:
        status = deadline.status
    unit = "business" if deadline.is_business else "calendar"
    return DeadlineView(deadline, rule, status, days_left, unit)


def deadlines_of(case: Case, at: datetime | None = None) -> list[DeadlineView]:
    """Open clocks first (custody first, then by due instant), then ended ones."""
    rows = db.session.scalars(select(Deadline).where(Deadline.case_id == case.id)).all()
    views = [view_of(d, at) for d in rows]
    views.sort(key=lambda v: (not v.deadline.is_open, not v.deadline.is_custody,
                              v.deadline.due_at))
    return views


# --- per-state time zones --------------------------------------------------------------

def set_time_zone(actor: Actor, country_code: str, zone_name: str | None) -> None:
    """Override (or, with None, restore) the zone a state's deadlines end in.

    Deadlines already running keep the zone they started with; new ones use this.
    """
    country = known_country(country_code)
    if country is None:
        raise ServiceError(str(_l("Unknown country.")), code="invalid",
                           details={"field": "country_code"})
    override = db.session.get(CountryTimeZone, country.code)
    if zone_name is None:
        if override is not None:
            db.session.delete(override)
        record_audit(actor, "deadlines.time_zone_reset", object_type="countries",
                     object_id=country.code)
        db.session.flush()
        return
    if zone_name not in available_timezones():
        raise ServiceError(str(_l("Unknown time zone; use an IANA name such as Europe/Paris.")),
                           code="invalid", details={"field": "zone_name"})
    override = override or CountryTimeZone(country_code=country.code)
    override.zone_name = zone_name
    db.session.add(override)
    record_audit(actor, "deadlines.time_zone_set", object_type="countries",
                 object_id=country.code, zone=zone_name)
    db.session.flush()
