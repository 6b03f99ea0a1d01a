"""Letters to counterpart authorities: rendered from templates/letters/, kept on the
request's timeline, and either queued for a caseworker's approval or sent at once."""

from __future__ import annotations

import uuid
from functools import cache
from pathlib import Path
from typing import Any

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import select

from mla.audit.services import record_audit
from mla.cases.models import Case, CaseEvent
from mla.core.clock import now
from mla.core.errors import ServiceError
from mla.extensions import db
from mla.notifications.models import Letter
from mla.notifications.outbox import enqueue

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


def known_letter_templates() -> frozenset[str]:
    """Template codes ``letter:<code>`` accepts (for workflow validation)."""
    return frozenset(_templates())


def choose_language(code: str, preferred: list[str] | None) -> str:
    available = _templates().get(code, frozenset())
    for language in preferred or []:
        if language.lower() in available:
            return language.lower()
    return DEFAULT_LANGUAGE


def render_letter(code: str, language: str, **context: Any) -> tuple[str, str]:
    """(subject, body): the template's first line is 'Subject: ...'."""
    text = render_template(f"letters/{code}.{language}.txt", **context)
    first, _sep, rest = text.lstrip().partition("\n")
    if not first.lower().startswith("subject:"):
        raise ValueError(f"letter template {code}.{language} must start with 'Subject:'")
    return first.split(":", 1)[1].strip(), rest.strip() + "\n"


def _context(case: Case, deadline: Any, values: dict[str, Any]) -> dict[str, Any]:
    from mla.reference.models import Country
    from mla.settings import current_settings

    home = db.session.get(Country, current_settings().home_country)
    context: dict[str, Any] = {
        "case": case, "authority": case.counterpart_authority, "values": values,
        "home_country": home.name if home else current_settings().home_country,
        "today": now().date().isoformat(), "deadline": None, "rule": None, "due_on": "",
    }
    if deadline is not None:
        from mla.deadlines.rules import get_rule
        from mla.deadlines.services import calendar_of

        cal = calendar_of(deadline)
        context.update(deadline=deadline, rule=get_rule(deadline.rule_code),
                       due_on=cal.local_date(deadline.due_at).isoformat(),
                       start_on=deadline.start_on.isoformat())
    return context


def draft_letter(case: Case, code: str, *, actor: Any, values: dict[str, Any] | None = None,
                 event: CaseEvent | None = None, deadline: Any = None,
                 key: str | None = None) -> Letter:
    """Draft (or, when the rule says so, send) a letter; the same key never drafts twice."""
    if code not in known_letter_templates():
        raise ServiceError(f"No letter template {code!r}.", code="invalid")
    db.session.flush()
    if key is None:
        key = (f"ev:{event.id}:letter:{code}" if event is not None and event.id
               else f"letter:{case.id}:{code}:{uuid.uuid4().hex}")
    existing = db.session.scalars(select(Letter).where(Letter.key == key)).first()
    if existing is not None:
        return existing
    authority = case.counterpart_authority
    language = choose_language(code, authority.languages if authority else None)
    subject, body = render_letter(code, language, **_context(case, deadline, values or {}))
    letter = Letter(key=key, case_id=case.id, authority_id=authority.id if authority else None,
                    deadline_id=deadline.id if deadline is not None else None,
                    template_code=code, language=language,
                    to_address=authority.email if authority else "", subject=subject[:300],
                    body=body, status="draft", created_at=now(),
                    created_by_label=_label(actor))
    db.session.add(letter)
    db.session.flush()
    _timeline(case, actor, letter, "drafted")
    record_audit(actor, "letter.draft", case, letter_id=letter.id, template=code)
    if _sends_at_once(code, deadline):
        _send(actor, letter)
    return letter


def _sends_at_once(code: str, deadline: Any) -> bool:
    from mla.deadlines.rules import get_rule
    from mla.deadlines.services import sends_without_approval

    if deadline is not None:
        return sends_without_approval(deadline.rule_code, get_rule(deadline.rule_code))
    return sends_without_approval(f"letter:{code}")


def _label(actor: Any) -> str:
    return getattr(actor, "username", None) or (actor if isinstance(actor, str) else "")


def _timeline(case: Case, actor: Any, letter: Letter, action: str) -> None:
    from mla.cases.services import add_event

    add_event(case, actor, "letter", comment=letter.subject, is_internal=True,
              data={"letter_id": letter.id, "template": letter.template_code,
                    "language": letter.language, "action": action, "status": letter.status})


def _send(actor: Any, letter: Letter) -> None:
    letter.status = "sent"
    letter.decided_at = now()
    letter.decided_by_id = getattr(actor, "id", None)
    if letter.to_address:
        enqueue(f"letter:{letter.id}:mail", "email", subject=letter.subject, body=letter.body,
                to_address=letter.to_address, case_id=letter.case_id, category="letter",
                data={"letter_id": letter.id})
    _timeline(letter.case, actor, letter, "sent")
    record_audit(actor, "letter.send", letter.case, letter_id=letter.id,
                 has_address=bool(letter.to_address))


def approve_letter(actor: Any, letter: Letter, *, subject: str | None = None,
                   body: str | None = None) -> Letter:
    """A caseworker approves (possibly edited) and sends a drafted letter."""
    if letter.status != "draft":
        raise ServiceError(_("This letter is no longer waiting for approval."), code="conflict",
                           status=409)
    if subject is not None and subject.strip():
        letter.subject = subject.strip()[:300]
    if body is not None and body.strip():
        letter.body = body.strip() + "\n"
    _send(actor, letter)
    return letter


def discard_letter(actor: Any, letter: Letter, *, reason: str) -> Letter:
    if letter.status != "draft":
        raise ServiceError(_("This letter is no longer waiting for approval."), code="conflict",
                           status=409)
    letter.status = "discarded"
    letter.decided_at = now()
    letter.decided_by_id = getattr(actor, "id", None)
    letter.discard_reason = (reason or "").strip()[:300]
    _timeline(letter.case, actor, letter, "discarded")
    record_audit(actor, "letter.discard", letter.case, letter_id=letter.id)
    return letter


def letters_awaiting_approval(limit: int = 200) -> list[Letter]:
    return list(db.session.scalars(
        select(Letter).where(Letter.status == "draft")
        .order_by(Letter.created_at, Letter.id).limit(limit)))
