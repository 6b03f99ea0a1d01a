"""The simulated counterpart's letters, and the trainee's answers to its questions.

Every step the counterpart takes (acknowledgement, question, refusal, execution) also
writes an incoming letter on the request (``CounterpartLetter``): sender, simulated
date, language and text, in the counterpart's language as the pack writes it
(falling back to English). The members of the copy the request belongs to (the
trainer's supervisors for the trainer's copy) are notified.

A question is answered in Comity (``answer_question``): the answer is recorded on the
letter and sent through the request's own workflow step (``answer_information``), so
the reply letter, the history and the clocks are those of a real answer. Whether it
is complete is the pack's rule (``assess``): every keyword group found in the answer
and every checklist item ticked. The counterpart reads that at its next pass: a
complete answer lets execution go on, an incomplete one brings another question.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from mla.audit.services import record_audit
from mla.auth.actors import Actor
from mla.auth.models import User
from mla.cases.models import Case, CaseEvent
from mla.cases.queries import visible_cases
from mla.core import clock
from mla.core.errors import ApiError, NotFound, ServiceError
from mla.extensions import db
from mla.notifications.services import case_link, notify_users, supervisor_recipients
from mla.sandbox.models import CopyMember, CounterpartLetter, CounterpartProfile
from mla.settings import current_settings
from mla.workflow.services import apply_transition

ANSWER_STEP = "answer_information"

# Used only when a pack gives no text of its own (case data: the counterpart's words).
DEFAULT_TEXTS = {
    "acknowledgement": "We acknowledge receipt of your request. Our reference: {reference}.",
    "question": "Please complete the request: the facts and the link between the persons "
                "concerned and the measures sought are not clear enough.",
    "refusal": "We regret that the request cannot be executed.",
    "execution": "The request has been executed; the results are enclosed.",
}


def letter_text(script: dict[str, Any], kind: str) -> tuple[str, str] | None:
    """(language, text) of the pack's letter of ``kind``: in the counterpart's language,
    else English, else the first language the pack gave; None when the pack has none."""
    language = str(script.get("language") or "en")
    texts = (script.get("letters") or {}).get(kind) or {}
    for choice in (language, "en", *texts):
        if texts.get(choice):
            return choice, str(texts[choice])
    return letter_text(script, "question") if kind == "follow_up" else None


def assess(script: dict[str, Any], answer: str, ticked: list[str]) -> list[str]:
    """What the answer still lacks under the pack's rule (empty: complete)."""
    words = " ".join(answer.casefold().split())
    missing = [" / ".join(group) for group in script.get("keywords") or []
               if not any(" ".join(w.casefold().split()) in words for w in group)]
    missing += [item for item in script.get("checklist") or [] if item not in ticked]
    return missing


def write_letter(case: Case, profile: CounterpartProfile, sender: str, kind: str, *,
                 at: datetime, fallback: str = "", addendum: str = "", number: int = 1,
                 text_kind: str | None = None) -> CounterpartLetter:
    """Record the counterpart's letter and tell the people working on the request.
    ``fallback`` is written when the pack has no text for it; ``addendum`` (a refusal's
    ground) is added after whichever text is used."""
    found = letter_text(profile.script or {}, text_kind or kind)
    language, written = found or ("en", fallback or DEFAULT_TEXTS.get(kind, ""))
    written = written.replace("{reference}", case.reference)
    if addendum:
        written = f"{written}\n\n{addendum}"
    letter = CounterpartLetter(case_id=case.id, kind=kind, number=number, sender=sender,
                               language=language, sent_at=at, text=written)
    db.session.add(letter)
    db.session.flush()
    _notify(case, letter)
    return letter


def question_text(profile: CounterpartProfile, number: int) -> str:
    """The words of the counterpart's question ``number`` (1: the first, 2+: again)."""
    found = letter_text(profile.script or {}, "question" if number == 1 else "follow_up")
    return found[1] if found else (profile.supplementary_question or DEFAULT_TEXTS["question"])


def readers(case: Case) -> list[User]:
    """Who works on this copy of the request: its trainees (the supervisors, who act as
    trainers, for the trainer's copy)."""
    if case.sandbox_copy_id is None:
        return supervisor_recipients()
    return list(db.session.scalars(
        select(User).join(CopyMember, CopyMember.user_id == User.id)
        .where(CopyMember.copy_id == case.sandbox_copy_id, User.is_enabled.is_(True))
        .order_by(User.id)))


KIND_SUBJECTS = {
    "acknowledgement": lambda c, s: _("%(reference)s: %(sender)s acknowledged the request",
                                      reference=c, sender=s),
    "question": lambda c, s: _("%(reference)s: %(sender)s asks for supplementary information",
                               reference=c, sender=s),
    "refusal": lambda c, s: _("%(reference)s: %(sender)s refused the request",
                              reference=c, sender=s),
    "execution": lambda c, s: _("%(reference)s: %(sender)s executed the request",
                                reference=c, sender=s),
}


def _notify(case: Case, letter: CounterpartLetter) -> None:
    subject = KIND_SUBJECTS[letter.kind]
    notify_users(readers(case), f"sandbox-letter:{letter.id}",
                 lambda: subject(case.reference, letter.sender), letter.text, case=case,
                 link=f"{case_link(case)}#counterpart-letter-{letter.id}")


def letters_for(case: Case) -> list[CounterpartLetter]:
    """The counterpart's letters on a request, oldest first (none outside a sandbox)."""
    if not current_settings().is_sandbox or case.id is None:
        return []
    return list(db.session.scalars(select(CounterpartLetter)
                                   .where(CounterpartLetter.case_id == case.id)
                                   .order_by(CounterpartLetter.id)))


def checklist_for(case: Case) -> list[str]:
    profile = db.session.get(CounterpartProfile, case.counterpart_country)
    return list((profile.script or {}).get("checklist") or []) if profile else []


def last_question(case: Case) -> CounterpartLetter | None:
    return db.session.scalar(
        select(CounterpartLetter).where(CounterpartLetter.case_id == case.id,
                                        CounterpartLetter.kind == "question")
        .order_by(CounterpartLetter.id.desc()).limit(1))


def answer_question(actor: Actor, letter_id: int, answer: str, ticked: list[str]
                    ) -> CounterpartLetter:
    """The trainee answers the counterpart's question (flush, never commit)."""
    letter = db.session.get(CounterpartLetter, letter_id)
    case = db.session.scalar(visible_cases(actor).where(  # type: ignore[arg-type]
        Case.id == letter.case_id)) if letter is not None else None
    if letter is None or case is None:
        raise NotFound(_("No such letter."))
    if not letter.is_open:
        raise ServiceError(_("This question has already been answered."), code="answered")
    answer = answer.strip()
    if not answer:
        raise ServiceError(_("Write your answer to the counterpart's question."),
                           code="invalid", details={"field": "answer"})
    try:
        apply_transition(actor, case, ANSWER_STEP, expected_version=case.version,
                         comment=answer)
    except ApiError as exc:
        raise ServiceError(exc.message, code="refused", details={"field": "answer"}) from None
    _record_answer(letter, case, actor, answer, [t for t in ticked if t])
    return letter


def _record_answer(letter: CounterpartLetter, case: Case, by: Any, answer: str,
                   ticked: list[str]) -> None:
    profile = db.session.get(CounterpartProfile, case.counterpart_country)
    letter.answer, letter.ticked = answer, ticked
    letter.answered_at, letter.answered_real_at = clock.now(), clock.real_now()
    letter.answered_by_id = getattr(by, "id", None)
    letter.missing = assess(profile.script if profile else {}, answer, ticked)
    letter.complete = not letter.missing
    record_audit(by, "sandbox.counterpart_answered", case, letter=letter.id,
                 complete=letter.complete)
    db.session.flush()


def answered_outside(case: Case, letter: CounterpartLetter) -> None:
    """The question was answered by the workflow step itself, not the letter's form:
    the step's comment is the answer, assessed the same way (nothing ticked)."""
    event = db.session.scalar(
        select(CaseEvent).where(CaseEvent.case_id == case.id,
                                CaseEvent.transition == ANSWER_STEP)
        .order_by(CaseEvent.id.desc()).limit(1))
    if event is None:
        return
    _record_answer(letter, case, event.actor, event.comment or "", [])
    letter.answered_at = event.at
