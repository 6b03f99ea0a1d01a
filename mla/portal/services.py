"""What a prosecutor may change: answering a request for supplementary information."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _

from mla.audit.services import record_audit
from mla.auth.models import User
from mla.cases.models import Case, CaseEvent
from mla.cases.services import add_event
from mla.core.clock import now
from mla.core.errors import ServiceError
from mla.documents.services import Upload, check_upload, store_document
from mla.portal.status import standing

MAX_ATTACHMENTS = 10


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
    event = add_event(case, actor, "supplementary_answer", comment=text,
                      data={"label": "Supplementary information from the domestic authority",
                            "documents": len(uploads)})
    for upload in uploads:
        store_document(actor, case, upload, visibility="shared", event=event)
    case.updated_at = now()
    record_audit(actor, "case.supplementary_answer", case, documents=len(uploads))
    _notify_caseworker(actor, case, event)
    return event


def _notify_caseworker(actor: User, case: Case, event: CaseEvent) -> None:
    """Tell the assignee (in-app) through the notifications outbox, when that domain is present."""
    try:
        from mla.notifications import services as notifications
    except ImportError:
        return  # the timeline entry above is what the caseworker sees until then
    notify = getattr(notifications, "notify_case_assignee", None)
    if notify is not None:
        notify(case, kind="supplementary_answer", actor=actor, event=event)
