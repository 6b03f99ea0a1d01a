"""Each user's deadlines as an iCalendar feed, behind a secret token stored hashed."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from icalendar import Calendar, Event
from sqlalchemy import or_, select, update

from mla.audit.services import record_audit
from mla.auth.models import User
from mla.auth.signals import access_revoked
from mla.cases.models import Case
from mla.cases.queries import visible_cases
from mla.core.clock import now
from mla.core.db import rows_matched
from mla.core.errors import NotFound
from mla.core.text import single_line
from mla.core.transaction import write_after_read
from mla.deadlines.models import CalendarFeed, Deadline
from mla.deadlines.rules import get_rule
from mla.extensions import db
from mla.notifications.services import case_link

TOKEN_BYTES = 32
FEED_WINDOW = timedelta(days=400)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_feed(actor: User) -> tuple[CalendarFeed, str]:
    """A new secret URL token; shown once, only its hash is kept."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed = CalendarFeed(user_id=actor.id, token_hash=_hash(token), prefix=token[:8],
                        created_at=now())
    db.session.add(feed)
    db.session.flush()
    record_audit(actor, "calendar_feed.create", feed)
    return feed, token


def revoke_feed(actor: User, feed_id: int) -> CalendarFeed:
    feed = db.session.get(CalendarFeed, feed_id)
    if feed is None or feed.user_id != actor.id:
        raise NotFound()
    if feed.revoked_at is None:
        feed.revoked_at = now()
        record_audit(actor, "calendar_feed.revoke", feed)
    return feed


def feeds_of(user: User) -> list[CalendarFeed]:
    return list(db.session.scalars(
        select(CalendarFeed).where(CalendarFeed.user_id == user.id)
        .order_by(CalendarFeed.created_at.desc())))


@access_revoked.connect
def revoke_feeds_of(user: User, **_kwargs: object) -> tuple[str, int]:
    """A disabled user's feeds stop for good (auth.signals.access_revoked)."""
    result = db.session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=now()).execution_options(synchronize_session=False))
    return "calendar_feeds", rows_matched(result)


def user_for_token(token: str) -> User | None:
    if not token or len(token) > 200:
        return None
    feed = db.session.scalars(select(CalendarFeed).where(
        CalendarFeed.token_hash == _hash(token), CalendarFeed.revoked_at.is_(None))).first()
    if feed is None or not feed.user.is_enabled:
        return None
    feed_id, used_at = feed.id, now()
    write_after_read(lambda: db.session.execute(
        update(CalendarFeed).where(CalendarFeed.id == feed_id).values(last_used_at=used_at)))
    return feed.user


def _deadlines_for(user: User) -> list[tuple[Deadline, Case]]:
    """Open clocks on requests assigned to the user (supervisors: every custody clock),
    among the requests the user may read now: the role or office may have changed since
    the request was assigned."""
    at = now()
    readable = visible_cases(user).with_only_columns(Case.id)
    stmt = (select(Deadline, Case).join(Case, Case.id == Deadline.case_id)
            .where(Deadline.status.in_(("running", "paused")),
                   Deadline.due_at >= at - FEED_WINDOW, Case.id.in_(readable)))
    if user.role in ("supervisor", "admin"):
        stmt = stmt.where(or_(Case.assignee_id == user.id, Deadline.is_custody.is_(True)))
    else:
        stmt = stmt.where(Case.assignee_id == user.id)
    return [(row[0], row[1]) for row in db.session.execute(stmt.order_by(Deadline.due_at))]


def render_feed(user: User, base_url: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Comity//Deadlines//EN")
    cal.add("version", "2.0")
    # An X- property is written as is: a line break in a name would start a property.
    cal.add("x-wr-calname", single_line(f"Comity deadlines: {user.display_name}"))
    stamp = now()
    for deadline, case in _deadlines_for(user):
        rule = get_rule(deadline.rule_code)
        cal.add_component(_event(deadline, case, rule, stamp, base_url))
    return cal.to_ical()


def _event(deadline: Deadline, case: Case, rule: Any, stamp: datetime, base_url: str) -> Event:
    event = Event()
    event.add("uid", f"deadline-{deadline.id}@comity")
    event.add("dtstamp", stamp)
    # The due instant itself, so every client shows it in its own time zone.
    event.add("dtstart", deadline.due_at - timedelta(minutes=30))
    event.add("dtend", deadline.due_at)
    prefix = "CUSTODY: " if deadline.is_custody else ""
    status = " (paused)" if deadline.status == "paused" else ""
    event.add("summary", f"{prefix}{case.reference}: {rule.title_text}{status}")
    event.add("description", f"{rule.summary_text}\n{rule.citation_text}")
    event.add("url", f"{base_url.rstrip('/')}{case_link(case)}")
    return event
