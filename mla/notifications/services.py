"""Who hears about what: recipients and notices, written to the outbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from mla.auth.actors import Actor
from mla.auth.models import User
from mla.cases.models import Case, CaseEvent, Person
from mla.cases.signals import value_unreadable
from mla.core.clock import now
from mla.core.db import rows_matched
from mla.core.display import humanise
from mla.core.errors import NotFound
from mla.core.zones import in_zone, zone_of
from mla.extensions import db
from mla.notifications.models import Notification
from mla.notifications.outbox import enqueue, enqueue_many
from mla.settings import current_settings
from mla.workflow.definitions import DefinitionError
from mla.workflow.registry import definition_for_case, state_label

# A notice's words: text, or a function that writes them in the current language, so each
# recipient reads the notice (in Comity and by e-mail) in the language they chose.
Words = str | Callable[[], str]


def in_language_of(user: User | None, words: Words) -> str:
    """``words`` written in ``user``'s language and time zone (the instance's when they
    chose none, or for an authority's mailbox)."""
    if not callable(words):
        return words
    language = (user.language if user is not None else None) \
        or current_settings().default_locale
    with force_locale(language), in_zone(zone_of(user)):
        return str(words())


def case_link(case: Case) -> str:
    """The request page's path; built from the URL map, so it works outside requests too."""
    return current_app.url_map.bind("localhost").build(
        "cases.detail", {"reference": case.reference})


def supervisor_recipients() -> list[User]:
    users = list(db.session.scalars(
        select(User).where(User.role == "supervisor", User.is_enabled.is_(True))
        .order_by(User.id)))
    if users:
        return users
    return list(db.session.scalars(
        select(User).where(User.role == "admin", User.is_enabled.is_(True)).order_by(User.id)))


def assignee_recipients(case: Case) -> list[User]:
    """The assignee; a request nobody is assigned to goes to the supervisors."""
    assignee = db.session.get(User, case.assignee_id) if case.assignee_id else None
    if assignee is not None and assignee.is_enabled:
        return [assignee]
    return supervisor_recipients()


def notify_users(users: list[User], key: str, subject: Words, body: Words = "", *,
                 case: Case | None = None, category: str = "notice", link: str = "",
                 sink: list[dict[str, Any]] | None = None) -> int:
    """One in-app notification per user, plus an e-mail to those with an address, each
    in the user's language when ``subject`` and ``body`` are functions (see Words).

    With ``sink`` the rows are collected for one bulk insert by the caller."""
    link = link or (case_link(case) if case is not None else "")
    rows: list[dict[str, Any]] = []
    seen: set[int] = set()
    for user in users:
        if user.id in seen:
            continue
        seen.add(user.id)
        common = {"subject": in_language_of(user, subject),
                  "body": in_language_of(user, body), "user_id": user.id,
                  "case_id": case.id if case is not None else None, "link": link,
                  "category": category}
        rows.append({"key": f"{key}:u{user.id}:app", "channel": "in_app", **common})
        if user.email:
            rows.append({"key": f"{key}:u{user.id}:mail", "channel": "email",
                         "to_address": user.email, **common})
    if sink is not None:
        sink.extend(rows)
        return len(rows)
    return enqueue_many(rows)


def _step_label(case: Case, event: CaseEvent | None) -> str:
    """The step's label from the request's workflow (never its internal name)."""
    if event is None or not event.transition:
        return ""
    try:
        step = definition_for_case(case).transition(event.transition)
    except (LookupError, OSError, DefinitionError):
        step = None
    return step.label if step is not None else humanise(event.transition)


def notify_case_audience(case: Case, audience: str, *, actor: Actor,
                         event: CaseEvent | None = None, comment: str = "") -> int:
    """The workflow's `notify:<audience>` effect."""
    db.session.flush()
    if event is not None and event.id:
        anchor = f"ev:{event.id}"
    else:
        anchor = f"case:{case.id}:v{case.version}"
    key = f"{anchor}:{audience}"

    def subject() -> str:
        return _("%(reference)s: %(step)s", reference=case.reference,
                 step=_step_label(case, event) or state_label(case.workflow_name, case.state))

    def body() -> str:
        return comment or _("The request is now: %(state)s",
                            state=state_label(case.workflow_name, case.state))

    if audience == "assignee":
        return notify_users(assignee_recipients(case), key, subject, body, case=case)
    if audience == "supervisors":
        return notify_users(supervisor_recipients(), key, subject, body, case=case)
    if audience == "domestic_authority":
        return _notify_authority(case, case.domestic_authority, key, subject, body,
                                 include_users=True)
    if audience == "counterpart":
        return _notify_authority(case, case.counterpart_authority, key, subject, body,
                                 include_users=False)
    raise ValueError(f"unknown audience {audience!r}")


def _notify_authority(case: Case, authority: Any, key: str, subject: Words, body: Words, *,
                      include_users: bool) -> int:
    count = 0
    if authority is None:
        return 0
    if include_users:
        members = list(db.session.scalars(
            select(User).where(User.authority_id == authority.id, User.is_enabled.is_(True))))
        count += notify_users(members, key, subject, body, case=case)
    if authority.email:
        if not include_users:  # nothing internal goes abroad: the reference and the step only
            body = subject
        count += int(enqueue(f"{key}:authority{authority.id}", "email",
                             subject=in_language_of(None, subject),
                             body=in_language_of(None, body), to_address=authority.email,
                             case_id=case.id,
                             category="authority"))
    return count


def notifications_for(user: User, *, unread_only: bool = False, limit: int = 100
                      ) -> list[Notification]:
    stmt = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return list(db.session.scalars(stmt.order_by(Notification.created_at.desc(),
                                                 Notification.id.desc()).limit(limit)))


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_read(actor: User, notification_id: int | None = None) -> int:
    """Mark one (or, with no id, every) notification of the actor as read."""
    stmt = update(Notification).where(Notification.user_id == actor.id,
                                      Notification.read_at.is_(None))
    if notification_id is not None:
        if db.session.get(Notification, notification_id) is None:
            raise NotFound()
        stmt = stmt.where(Notification.id == notification_id)
    return rows_matched(db.session.execute(stmt.values(read_at=now())))


_PERSON_FIELD_LABELS = {
    "full_name": _l("name"), "date_of_birth": _l("date of birth"),
    "identifiers": _l("identity documents"), "address": _l("address"),
    "nationality": _l("nationality"),
}


@value_unreadable.connect
def alert_admins_of_unreadable_value(person: Person, *, field: str) -> None:
    """Each unreadable value alerts the administrators once, however often it is read:
    the key names the row and column, and a repeated key is a no-op."""
    admins = list(db.session.scalars(select(User).where(User.role == "admin",
                                                        User.is_enabled.is_(True))))
    case = person.case
    label = _PERSON_FIELD_LABELS.get(field, field)

    def subject() -> str:
        return _("%(reference)s: a person's %(field)s does not decrypt",
                 reference=case.reference, field=label)

    def body() -> str:
        return _("A stored value on this request does not decrypt with the key ring: it "
                 "was changed in the database, or it was written with a key the ring no "
                 "longer holds. The page shows everything else. Compare with the last "
                 "backup and the audit trail, then re-enter the value.")

    notify_users(admins, f"unreadable:{person.uid}:{field}", subject, body, case=case,
                 category="alert")
