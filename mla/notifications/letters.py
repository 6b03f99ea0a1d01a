"""Letters to counterpart authorities: rendered from templates/letters/, kept on the
request's timeline, approved by a second person (four eyes) or, where an admin allowed
it for that kind of letter, released at once, then delivered through the outbox.

"Approved" is not "sent": ``delivery_of`` reads the outbox row to say whether the
letter went, is waiting, or failed (with the reason), and ``retry_letter`` tries again.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import LazyString, force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, literal, or_, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from mla.audit.services import record_audit
from mla.auth.actors import Actor
from mla.auth.models import User
from mla.cases.models import Case, CaseEvent
from mla.cases.services import add_event, added_in_this_transaction
from mla.core.clock import now
from mla.core.display import country_name, label_in, long_date, one_full_stop_after_days
from mla.core.errors import ServiceError
from mla.core.remembered import remembered_get
from mla.core.zones import home_zone_name
from mla.extensions import db
from mla.notifications.models import (
    Letter,
    LetterStatus,
    NotificationSetting,
    OutboxMessage,
    OutboxStatus,
    SecondApprover,
)
from mla.notifications.outbox import enqueue
from mla.notifications.services import assignee_recipients, notify_users, supervisor_recipients
from mla.notifications.signals import extra_letter_context, letter_approved, sends_at_once
from mla.reference.models import Country
from mla.settings import current_settings
from mla.workflow.values import (
    QUESTIONS_FIELD,
    answers_to,
    latest_question,
    question_text,
    recorded_values,
)

# The letters this unit of work drafted, by key (see draft_letter).
_DRAFTED = "notifications.drafted"
LETTER_DIR = Path(__file__).resolve().parent.parent / "templates" / "letters"
DEFAULT_LANGUAGE = "en"


@cache
def _templates() -> dict[str, frozenset[str]]:
    """Template code -> languages it exists in (files are <code>.<lang>.txt)."""
    found: dict[str, set[str]] = {}
    for path in LETTER_DIR.glob("*.*.txt"):
        code, language = path.name[:-4].rsplit(".", 1)
        found.setdefault(code, set()).add(language)
    return {code: frozenset(langs) for code, langs in found.items()
            if DEFAULT_LANGUAGE in langs}


# Each kind of letter as people name it (the deadline rules, who approves letters); the
# code stays the file's name in templates/letters/ and the setting's key.
LETTER_NAMES = {
    "acknowledgement": _l("Acknowledgement of receipt"),
    "arrest_notice": _l("Notice of arrest"),
    "aut_dedere_referral": _l("Referral for prosecution (aut dedere aut judicare)"),
    "aut_dedere_report": _l("Report on the prosecution (aut dedere aut judicare)"),
    "consent_notice": _l("Notice of consent to surrender"),
    "decision_notice": _l("Notice of the decision"),
    "eaw_extension_notice": _l("Notice of extended time limits (European arrest warrant)"),
    "eaw_postponement_notice": _l("Notice of postponed surrender (European arrest warrant)"),
    "eaw_surrender_arrangements": _l("Surrender arrangements (European arrest warrant)"),
    "eio_delay_notice": _l("Notice of delay (European Investigation Order)"),
    "execution_request": _l("Request for execution"),
    "formal_request": _l("Formal extradition request"),
    "formal_request_reminder": _l("Reminder: formal extradition request due"),
    "postponement_notice": _l("Notice of postponement"),
    "refusal_notice": _l("Notice of refusal"),
    "release_notice": _l("Notice of release"),
    "results_cover_letter": _l("Covering letter for the results"),
    "status_inquiry": _l("Status inquiry"),
    "supplementary_info_reminder": _l("Reminder: supplementary information requested"),
    "supplementary_info_reply": _l("Supplementary information"),
    "supplementary_info_request": _l("Request for supplementary information"),
    "surrender_arrangements": _l("Surrender arrangements"),
    "transmittal": _l("Transmittal letter"),
    "use_consent_request": _l("Request for consent to use the evidence"),
    "withdrawal_notice": _l("Notice of withdrawal"),
}


def letter_name(code: str | None) -> str:
    """A kind of letter in the reader's words; a template without a name yet reads as
    its code humanised ("status_inquiry" -> "Status inquiry"), never the raw code."""
    return label_in(LETTER_NAMES, code)


def known_letter_templates() -> frozenset[str]:
    """Template codes ``letter:<code>`` accepts (for workflow validation)."""
    return frozenset(_templates())


def template_languages(code: str) -> frozenset[str]:
    """The languages Comity has the letter ``code`` in (translators add them)."""
    return _templates().get(code, frozenset())


def choose_language(code: str, preferred: list[str] | None) -> str:
    available = template_languages(code)
    for language in preferred or []:
        if language.lower() in available:
            return language.lower()
    return DEFAULT_LANGUAGE


def needs_translation(language: str, accepted: list[str] | None) -> bool:
    """A letter in ``language`` needs a translation when the counterpart named the
    languages it accepts and this is none of them."""
    wanted = [x.lower() for x in accepted or [] if x]
    return bool(wanted) and language.lower() not in wanted


def render_letter(code: str, language: str, **context: Any) -> tuple[str, str]:
    """(subject, body): the template's first line is 'Subject: ...'. Rendered in the
    letter's language, not the page's: whatever the template looks up or formats (a
    rule's title, a lazy label) comes out in ``language``. A day whose words end in a
    period ("2 ноября 2026 г.") ends a sentence with that period alone."""
    with force_locale(language):
        text = render_template(f"letters/{code}.{language}.txt", **context)
    text = one_full_stop_after_days(text, language)
    first, _sep, rest = text.lstrip().partition("\n")
    if not first.lower().startswith("subject:"):
        raise ValueError(f"letter template {code}.{language} must start with 'Subject:'")
    return first.split(":", 1)[1].strip(), rest.strip() + "\n"


def _written(case: Case, code: str, language: str, deadline: Any,
             values: dict[str, Any]) -> tuple[str, str]:
    """The letter in ``language``: the words Comity puts into it (the home state's name,
    dates, refusal grounds and choices recorded by earlier steps, a rule's title) are
    made in that language too, whoever clicked or whichever job drafted it."""
    with force_locale(language):
        return render_letter(code, language, **_context(case, deadline, values, language))


def _in_words(value: Any, language: str) -> Any:
    """A day as a formal letter writes it ("2 décembre 2026"); anything else as it is."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return long_date(value, language)
    return value


def kept_values(values: dict[str, Any]) -> str | None:
    """What a letter is drafted from, as JSON that ``restored_values`` reads back with
    each value's kind, so a draft written again in another language is the same letter:
    a day stays a day (in words in the new language), a label Comity passed lazily stays
    a label (looked up again by its English words), text stays as typed."""
    if not values:
        return None
    return json.dumps({name: _kept(value) for name, value in values.items()},
                      ensure_ascii=False)


def _kept(value: Any) -> list[Any]:
    if isinstance(value, date) and not isinstance(value, datetime):
        return ["day", value.isoformat()]
    if isinstance(value, LazyString):
        with force_locale(DEFAULT_LANGUAGE):  # the catalogue's key: the English words
            return ["label", str(value)]
    if value is None or isinstance(value, bool | int | float | str):
        return ["value", value]
    if isinstance(value, list | tuple):
        return ["list", [_kept(item) for item in value]]
    return ["value", str(value)]


def restored_values(kept: str | None) -> dict[str, Any]:
    """``kept_values`` read back: days as dates, labels lazy again."""
    return {name: _restored(value) for name, value in json.loads(kept).items()} if kept else {}


def _restored(kept: list[Any]) -> Any:
    kind, value = kept
    if kind == "day":
        return date.fromisoformat(value)
    if kind == "label":
        return LazyString(_, value)
    if kind == "list":
        return [_restored(item) for item in value]
    return value


def _context(case: Case, deadline: Any, values: dict[str, Any],
             language: str) -> dict[str, Any]:
    code = current_settings().home_country
    home = remembered_get(Country, code)
    local = ZoneInfo(home_zone_name())
    question = latest_question(case)
    context: dict[str, Any] = {
        "case": case, "authority": case.counterpart_authority,
        # A step's dates in words; its other values (a choice's code) stay as they are,
        # the templates compare them.
        "values": {name: _in_words(value, language) for name, value in values.items()},
        "home_country": country_name(code, language, stored=home.name if home else ""),
        "today": long_date(now().astimezone(local).date(), language),
        # The day as the request page shows it (a receipt date is kept as that day's UTC
        # midnight: no zone may move it).
        "received_on": long_date(case.received_at.date(), language) if case.received_at
        else "",
        "deadline": None, "rule": None, "due_on": "",
        # What was asked (by this step, or by the step an answer replies to) and the
        # answers given to it since: a letter never drops what was typed.
        "questions": values.get(QUESTIONS_FIELD) or question_text(question),
        "answers": answers_to(case, question),
        # What earlier steps recorded, in words (a refusal's proposed ground and reasons).
        "recorded": recorded_values(case),
    }
    # The clock the letter is about (deadlines answer; see notifications.signals).
    context.update((name, _in_words(value, language))
                   for name, value in extra_letter_context(case, deadline, values).items())
    return context


def draft_letter(case: Case, code: str, *, actor: Actor, values: dict[str, Any] | None = None,
                 event: CaseEvent | None = None, deadline: Any = None,
                 key: str | None = None) -> Letter:
    """Draft (or, when the rule says so, send) a letter; the same key never drafts twice."""
    if code not in known_letter_templates():
        raise ServiceError(f"No letter template {code!r}.", code="invalid")
    db.session.flush()
    # A key made here from an event this unit of work wrote (or a random one) cannot be
    # on a letter of another transaction: only this one's drafts need looking at.
    fresh = key is None and (event is None or not event.id
                             or added_in_this_transaction(event))
    if key is None:
        key = (f"ev:{event.id}:letter:{code}" if event is not None and event.id
               else f"letter:{case.id}:{code}:{uuid.uuid4().hex}")
    drafted: dict[str, Letter] = db.session.info.setdefault(_DRAFTED, {})
    existing = drafted.get(key) if fresh else db.session.scalars(
        select(Letter).where(Letter.key == key)).first()
    if existing is not None:
        return existing
    authority = case.counterpart_authority
    accepted = authority.languages if authority else None
    language = choose_language(code, accepted)
    values = values or {}
    subject, body = _written(case, code, language, deadline, values)
    letter = Letter(key=key, case_id=case.id, authority_id=authority.id if authority else None,
                    deadline_id=deadline.id if deadline is not None else None,
                    template_code=code, language=language,
                    is_translation_needed=needs_translation(language, accepted),
                    to_address=authority.email if authority else "", subject=subject[:300],
                    body=body, drafted_values=kept_values(values),
                    status=LetterStatus.DRAFT, created_at=now(),
                    created_by_label=_label(actor), created_by_id=_user_id(actor))
    db.session.add(letter)
    db.session.flush()
    drafted[key] = letter
    _timeline(case, actor, letter, "drafted")
    record_audit(actor, "letter.draft", case, letter_id=letter.id, template=code)
    if sends_at_once(code, deadline):
        # The authority's setting releases this kind of letter without a second person.
        _release(actor, letter, approver=None)
    elif isinstance(actor, User):
        # A scheduled job's drafts are announced by the job (deadlines' reminders).
        _tell_approvers(actor, letter)
    return letter


def _tell_approvers(drafter: User, letter: Letter) -> None:
    """Those who may approve a letter someone drafted in a step hear that it waits: the
    supervisors by default; the assignee when any second caseworker may approve."""
    supervisors: list[User] | None = None
    with db.session.no_autoflush:  # people only: the step's rows flush together later
        if second_approver() == SecondApprover.ANY_CASEWORKER:
            people = assignee_recipients(letter.case)
        else:
            people = supervisors = supervisor_recipients()
        people = [u for u in people if u.id != drafter.id]
        if not people:
            supervisors = supervisor_recipients() if supervisors is None else supervisors
            people = [u for u in supervisors if u.id != drafter.id]
    link = current_app.url_map.bind("localhost").build("notifications.letter",
                                                       {"letter_id": letter.id})
    # Functions: each approver reads the notice in their own language, not the drafter's.
    notify_users(people, f"letter:{letter.id}:approve",
                 lambda: _("Letter to approve: %(subject)s", subject=letter.subject),
                 lambda: _("%(drafter)s drafted a letter to the counterpart; a second person "
                           "approves it before it is sent.", drafter=drafter.display_name),
                 case=letter.case, category="letter", link=link)


@sa_event.listens_for(Session, "after_commit")
@sa_event.listens_for(Session, "after_rollback")
@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_drafted(session: Session, *_args: Any) -> None:
    session.info.pop(_DRAFTED, None)


def _label(actor: Actor) -> str:
    return getattr(actor, "username", None) or (actor if isinstance(actor, str) else "")


def _user_id(actor: Actor) -> int | None:
    return actor.id if isinstance(actor, User) else None


def _timeline(case: Case, actor: Actor, letter: Letter, action: str, *,
              sealed_values: str | None = None, **extra: Any) -> None:
    add_event(case, actor, "letter", comment=letter.subject, is_internal=True,
              data={"letter_id": letter.id, "template": letter.template_code,
                    "language": letter.language, "action": action, "status": letter.status,
                    **extra}, sealed_values=sealed_values)


def _release(actor: Actor, letter: Letter, *, approver: User | None) -> None:
    """Approved: the e-mail goes to the outbox, delivered after the commit."""
    letter.status = LetterStatus.APPROVED
    letter.drafted_values = None  # no longer drafted again: the body says it all
    letter.decided_at = now()
    letter.decided_by_id = approver.id if approver is not None else None
    if letter.to_address:
        enqueue(letter.mail_key, "email", subject=letter.subject, body=letter.body,
                to_address=letter.to_address, case_id=letter.case_id, category="letter",
                data={"letter_id": letter.id})
    _timeline(letter.case, actor, letter, "approved", automatic=approver is None)
    record_audit(actor, "letter.approve", letter.case, letter_id=letter.id,
                 has_address=bool(letter.to_address), automatic=approver is None)
    # Documents keeps the approved text as DOCX and PDF on the letterhead.
    letter_approved.send(letter, actor=actor, approver=approver)


def redraft_letter(actor: User, letter: Letter, language: str) -> Letter:
    """Draft the letter again in ``language`` (one Comity has its template in), chosen by
    the caseworker where the counterpart's language has no template; flagged as needing a
    translation when the counterpart does not accept that language. Written from the
    values it was first drafted from (what the caseworker typed at the step, its days)."""
    if not letter.is_draft:
        raise ServiceError(_("This letter is no longer waiting for approval."), code="conflict",
                           status=409)
    language = (language or "").lower()
    if language not in template_languages(letter.template_code):
        raise ServiceError(_("Choose one of the languages offered."), code="invalid",
                           details={"field": "language"})
    case = letter.case
    subject, body = _written(case, letter.template_code, language, letter.deadline,
                             restored_values(letter.drafted_values))
    previous = letter.language
    letter.language = language
    letter.subject = subject[:300]
    letter.body = body
    accepted = letter.authority.languages if letter.authority else None
    letter.is_translation_needed = needs_translation(language, accepted)
    db.session.flush()
    _timeline(case, actor, letter, "redrafted", previous_language=previous)
    record_audit(actor, "letter.redraft", case, letter_id=letter.id, language=language,
                 previous_language=previous)
    return letter


# -- four eyes ---------------------------------------------------------------------------
SECOND_APPROVER_KEY = "second_approver"
APPROVER_ROLES: dict[SecondApprover, frozenset[str]] = {
    SecondApprover.SUPERVISOR: frozenset({"supervisor", "admin"}),
    SecondApprover.ANY_CASEWORKER: frozenset({"caseworker", "supervisor", "admin"}),
}


def second_approver() -> SecondApprover:
    """Who approves a letter someone else drafted: a supervisor unless an admin chose
    any second caseworker."""
    row = remembered_get(NotificationSetting, SECOND_APPROVER_KEY)
    try:
        return SecondApprover(row.value) if row is not None else SecondApprover.SUPERVISOR
    except ValueError:
        return SecondApprover.SUPERVISOR


def set_second_approver(actor: User, value: str) -> SecondApprover:
    try:
        chosen = SecondApprover(value)
    except ValueError:
        raise ServiceError(_("Choose one of the options offered."),
                           details={"field": "second_approver"}) from None
    previous = second_approver()
    row = db.session.get(NotificationSetting, SECOND_APPROVER_KEY)
    if row is None:
        row = NotificationSetting(key=SECOND_APPROVER_KEY, value=chosen.value)
        db.session.add(row)
    row.value = chosen.value
    row.updated_at = now()
    row.updated_by_id = actor.id
    db.session.flush()
    record_audit(actor, "settings.second_approver", object_type="notification_setting",
                 object_id=SECOND_APPROVER_KEY, old=previous.value, new=chosen.value)
    return chosen


def is_drafter(actor: Actor, letter: Letter) -> bool:
    if not isinstance(actor, User):
        return False
    if letter.created_by_id is not None:
        return letter.created_by_id == actor.id
    return bool(letter.created_by_label) and letter.created_by_label == actor.username


def approval_refusal(actor: Actor, letter: Letter) -> str | None:
    """Why ``actor`` may not approve ``letter``, or None when they may."""
    if not isinstance(actor, User):
        return _("A letter is approved by a person.")
    if is_drafter(actor, letter):
        return _("You drafted this letter: someone else must approve it (four eyes).")
    policy = second_approver()
    if actor.role not in APPROVER_ROLES[policy]:
        if policy == SecondApprover.SUPERVISOR:
            return _("A supervisor approves letters to counterpart authorities.")
        return _("A caseworker or supervisor approves letters to counterpart authorities.")
    return None


def approve_letter(actor: Actor, letter: Letter, *, subject: str | None = None,
                   body: str | None = None) -> Letter:
    """A second person approves a drafted letter (possibly edited); it then goes to the
    outbox. ServiceError 403 ``four_eyes`` for its drafter or a role the policy excludes."""
    if not letter.is_draft:
        raise ServiceError(_("This letter is no longer waiting for approval."), code="conflict",
                           status=409)
    refusal = approval_refusal(actor, letter)
    if refusal:
        raise ServiceError(refusal, code="four_eyes", status=403)
    assert isinstance(actor, User)  # approval_refusal refuses anyone else
    if subject is not None and subject.strip():
        letter.subject = subject.strip()[:300]
    if body is not None and body.strip():
        letter.body = body.strip() + "\n"
    _release(actor, letter, approver=actor)
    return letter


# -- delivery ----------------------------------------------------------------------------
class DeliveryState(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    DISCARDED = "discarded"
    BY_HAND = "by_hand"          # approved; no e-mail address: sent by the usual channel
    QUEUED = "queued"            # approved; waiting for the dispatcher
    RETRYING = "retrying"        # an attempt failed; another is scheduled
    FAILED = "failed"            # given up (dead letter): needs a person
    SENT = "sent"
    SANDBOXED = "sandboxed"      # a training sandbox keeps it in its mailbox


@dataclass(frozen=True)
class Delivery:
    state: DeliveryState
    reason: str = ""
    at: datetime | None = None
    attempts: int = 0

    @property
    def has_failed(self) -> bool:
        return self.state in (DeliveryState.RETRYING, DeliveryState.FAILED)

    @property
    def label(self) -> str:
        labels = {
            DeliveryState.AWAITING_APPROVAL: _("Waiting for approval"),
            DeliveryState.DISCARDED: _("Discarded"),
            DeliveryState.BY_HAND: _("Approved: no e-mail address, send it by the usual "
                                     "channel"),
            DeliveryState.QUEUED: _("Approved, waiting to be sent"),
            DeliveryState.RETRYING: _("Not sent: the attempt failed; it will be tried again"),
            DeliveryState.FAILED: _("Not sent: delivery failed"),
            DeliveryState.SENT: _("Approved and sent"),
            DeliveryState.SANDBOXED: _("Approved; kept in the training mailbox"),
        }
        return labels[self.state]


def delivery_of(letters: Sequence[Letter]) -> dict[int, Delivery]:
    """Each letter's delivery, read from its outbox row (one query for all)."""
    approved = [x for x in letters if x.status == LetterStatus.APPROVED and x.to_address]
    rows = {r.key: r for r in db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.key.in_([x.mail_key for x in approved])))} if approved else {}
    found: dict[int, Delivery] = {}
    for letter in letters:
        found[letter.id] = _delivery(letter, rows.get(letter.mail_key))
    return found


def _delivery(letter: Letter, row: OutboxMessage | None) -> Delivery:
    if letter.is_draft:
        return Delivery(DeliveryState.AWAITING_APPROVAL)
    if letter.status == LetterStatus.DISCARDED:
        return Delivery(DeliveryState.DISCARDED, letter.discard_reason, letter.decided_at)
    if not letter.to_address or row is None:
        return Delivery(DeliveryState.BY_HAND, at=letter.decided_at)
    if row.status == OutboxStatus.SENT:
        return Delivery(DeliveryState.SENT, at=row.sent_at, attempts=row.attempts)
    if row.status == OutboxStatus.SANDBOXED:
        return Delivery(DeliveryState.SANDBOXED, at=row.sent_at, attempts=row.attempts)
    if row.status == OutboxStatus.DEAD:
        return Delivery(DeliveryState.FAILED, row.last_error, attempts=row.attempts)
    if row.last_error:
        return Delivery(DeliveryState.RETRYING, row.last_error, row.available_at, row.attempts)
    return Delivery(DeliveryState.QUEUED, at=row.available_at, attempts=row.attempts)


def retry_letter(actor: User, letter: Letter) -> OutboxMessage:
    """Try a letter's failed delivery again now (after fixing the address or the server)."""
    row = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.key == letter.mail_key)).first()
    if row is None or not _delivery(letter, row).has_failed:
        raise ServiceError(_("This letter's delivery has not failed."), code="conflict",
                           status=409)
    reason = row.last_error
    row.status = OutboxStatus.PENDING
    row.attempts = 0
    row.available_at = now()
    row.claim_token = None
    row.claimed_until = None
    row.last_error = ""  # the timeline keeps it; the letter now reads "waiting to be sent"
    db.session.flush()
    # The mail server's words may name a mailbox: sealed with the entry, not in its data.
    _timeline(letter.case, actor, letter, "retry",
              sealed_values=json.dumps({"reason": reason[:300]}, ensure_ascii=False)
              if reason else None)
    record_audit(actor, "letter.retry", letter.case, letter_id=letter.id)
    return row


def discard_letter(actor: Actor, letter: Letter, *, reason: str) -> Letter:
    if not letter.is_draft:
        raise ServiceError(_("This letter is no longer waiting for approval."), code="conflict",
                           status=409)
    letter.status = LetterStatus.DISCARDED
    letter.drafted_values = None
    letter.decided_at = now()
    letter.decided_by_id = getattr(actor, "id", None)
    letter.discard_reason = (reason or "").strip()[:300]
    _timeline(letter.case, actor, letter, "discarded")
    record_audit(actor, "letter.discard", letter.case, letter_id=letter.id)
    return letter


def letters_awaiting_approval(limit: int = 200) -> list[Letter]:
    return list(db.session.scalars(
        select(Letter).where(Letter.status == LetterStatus.DRAFT)
        .order_by(Letter.created_at, Letter.id).limit(limit)))


def undelivered_letters(limit: int = 200) -> list[Letter]:
    """Approved letters whose e-mail has not gone: a failed attempt or given up."""
    return list(db.session.scalars(
        select(Letter).join(OutboxMessage, OutboxMessage.key == (
            literal("letter:", String) + cast(Letter.id, String) + literal(":mail", String)))
        .where(Letter.status == LetterStatus.APPROVED,
               or_(OutboxMessage.status == OutboxStatus.DEAD,
                   (OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.CLAIMED)))
                   & OutboxMessage.last_error.is_not(None)))  # sealed: NULL is no error
        .order_by(Letter.decided_at.desc(), Letter.id.desc()).limit(limit)))


def letters_of(case: Case) -> list[Letter]:
    return list(db.session.scalars(select(Letter).where(Letter.case_id == case.id)
                                   .order_by(Letter.created_at.desc(), Letter.id.desc())))
