"""What a prosecutor may change: answering a request for supplementary information (or
for corrections, which sends the request back to the central authority's review)."""

from __future__ import annotations

from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _

from mla.audit.services import record_audit
from mla.auth.models import User
from mla.cases.models import Case, CaseEvent
from mla.cases.services import add_event
from mla.core.clock import now
from mla.core.errors import ServiceError
from mla.documents.services import Upload, check_upload, store_document
from mla.extensions import db
from mla.notifications.services import assignee_recipients, notify_users
from mla.portal.status import standing
from mla.workflow.registry import definition_for_case
from mla.workflow.services import apply_transition, may_take
from mla.workflow.values import ANSWER_KIND, open_question

MAX_ATTACHMENTS = 10
# The step that sends a request returned for correction back to the central authority.
RESUBMIT_STEP = "resubmit"


def answer_supplementary(actor: User, case: Case, text: str,
                         uploads: Sequence[Upload] = ()) -> CaseEvent:
    """The domestic authority's answer: a timeline entry, its documents, a notification."""
    if not standing(case).can_answer:
        raise ServiceError(_("This request is not waiting for information from your office."),
                           code="not_waiting", status=409)
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("Write your answer."), details={"field": "text"})
    if len(uploads) > MAX_ATTACHMENTS:
        raise ServiceError(_("Attach at most %(n)d files.", n=MAX_ATTACHMENTS),
                           details={"field": "files"})
    for upload in uploads:  # every file is checked before anything is written
        try:
            check_upload(upload)
        except ServiceError as exc:
            raise ServiceError(exc.message, details={"field": "files"}) from None
    data: dict[str, object] = {"label": "Supplementary information from the domestic authority",
                               "documents": len(uploads)}
    question = open_question(case)
    if question is not None:  # the answer names the questions it answers
        data.update(question_event_id=question.id, question_at=question.at.isoformat())
    event = add_event(case, actor, ANSWER_KIND, comment=text, data=data)
    for upload in uploads:
        store_document(actor, case, upload, visibility="shared", event=event)
    case.updated_at = now()
    record_audit(actor, "case.supplementary_answer", case, documents=len(uploads))
    if not _resubmit_if_returned(actor, case):
        _notify_caseworker(actor, case, event)
    return event


def _resubmit_if_returned(actor: User, case: Case) -> bool:
    """A request the central authority returned for correction goes back to its review
    with the office's answer: the workflow's resubmit step (its effects tell the
    assignee). False when the request is not waiting on such a step."""
    transition = definition_for_case(case).transition(RESUBMIT_STEP)
    if transition is None or case.state not in transition.sources \
            or not may_take(actor, transition):
        return False
    apply_transition(actor, case, RESUBMIT_STEP, expected_version=case.version,
                     comment=_("Corrected through the prosecutors' portal."))
    return True


def _notify_caseworker(actor: User, case: Case, event: CaseEvent) -> None:
    """In-app (and e-mail) notice to the assignee, or the supervisors when nobody is."""
    db.session.flush()  # the event's id keys the notice, so a retry never sends it twice
    office = actor.authority.name if actor.authority else actor.display_name
    # Functions, so each recipient reads the notice in their own language.
    notify_users(assignee_recipients(case), f"ev:{event.id}:supplementary_answer",
                 lambda: _("%(reference)s: supplementary information from %(office)s",
                           reference=case.reference, office=office),
                 lambda: _("The domestic authority answered; see the request's timeline."),
                 case=case,
                 link=url_for("cases.detail", reference=case.reference, _anchor="timeline"))
