"""Searches kept server-side, so the words typed in the request list's search never go
into an address (browser history, Referer headers, proxy logs): they are often a
person's exact name.

The search box and the list's filters are posted (with their CSRF token); the words are
kept here, sealed at rest, bound to the signed-in user's browser session, and the list
is opened at ``?search=<token>``: a random handle that means nothing without that
session. Every link of the list (pages, export, the selection's way back, "save these
filters") carries the handle instead of the words. A handle of another user, of another
or ended session, or one dropped since reads as expired: the list without the words.

A whole reference (``REFERENCE_RE``) is not personal data: it stays ``q=MLA-IN-…`` and
opens the request straight away, as before. An old bookmark ``?q=<words>`` is read as
before; the page's own links carry a kept search made for it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import ForeignKey, String, delete, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from mla.auth.models import User, UserSession
from mla.auth.signals import session_ended
from mla.cases.queries import CaseFilters
from mla.core.clock import real_now
from mla.core.crypto import SealedText
from mla.core.db import UTCDateTime
from mla.core.transaction import write_after_read
from mla.extensions import Model, db
from mla.settings import current_settings

SEARCH_ARG = "search"
# A session keeps at most this many searches (the oldest go first): a handle in an
# older tab then reads as expired.
MAX_PER_SESSION = 50
_TOKEN_BYTES = 18  # 24 characters, URL-safe


class KeptSearch(Model):
    """The words of one search, for one browser session (dropped with it)."""

    __tablename__ = "kept_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Only the handle's SHA-256 is stored: the handle itself is in the address.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(
        ForeignKey("user_sessions.id", ondelete="CASCADE"), index=True)
    # What was typed: a title's words, a counterpart's number or a person's exact name.
    words: Mapped[str] = mapped_column(SealedText("kept_searches.words"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=real_now)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _is_handle(token: str) -> bool:
    return 0 < len(token) <= 64 and token.isascii() and \
        all(c.isalnum() or c in "-_" for c in token)


def expired_message() -> str:
    return _("This search has expired; search again.")


def has_words(filters: CaseFilters) -> bool:
    """Whether the filters search for words (not a whole reference): what an address
    must not carry."""
    return bool(filters.q) and filters.exact_reference() is None


def _ended_sessions(user_id: int) -> Any:
    settings = current_settings()
    current = real_now()
    return select(UserSession.id).where(
        UserSession.user_id == user_id,
        or_(UserSession.revoked_at.is_not(None),
            UserSession.last_seen_at < current - timedelta(minutes=settings.session_idle_minutes),
            UserSession.created_at < current - timedelta(hours=settings.session_max_hours)))


def keep_search(actor: User, session: UserSession, words: str) -> str:
    """Keep ``words`` for this user's browser session; returns the handle for the
    address. Drops the user's searches of sessions that have ended (idle, too old or
    revoked), and this session's oldest past MAX_PER_SESSION. On a GET (an old
    bookmark's words) they are stored at the request's end (``write_after_read``)."""
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    user_id, session_id = actor.id, session.id
    write_after_read(lambda: _store(user_id, session_id, token, words))
    return token


def _store(user_id: int, session_id: int, token: str, words: str) -> None:
    db.session.execute(delete(KeptSearch).where(
        KeptSearch.session_id.in_(_ended_sessions(user_id))))
    kept = db.session.scalars(
        select(KeptSearch.id).where(KeptSearch.session_id == session_id)
        .order_by(KeptSearch.id.desc()).offset(MAX_PER_SESSION - 1)).all()
    if kept:
        db.session.execute(delete(KeptSearch).where(KeptSearch.id.in_(kept)))
    db.session.add(KeptSearch(token_hash=_digest(token), user_id=user_id,
                              session_id=session_id, words=words))
    db.session.flush()


def kept_words(actor: User, session: UserSession | None, token: str) -> str | None:
    """The words behind a handle, if it was made for this user in this session; None
    otherwise (another user's, another session's, an ended one's, dropped, made up)."""
    if session is None or not _is_handle(token):
        return None
    return db.session.scalar(select(KeptSearch.words).where(
        KeptSearch.token_hash == _digest(token), KeptSearch.user_id == actor.id,
        KeptSearch.session_id == session.id))


@session_ended.connect
def drop_searches(session: UserSession, **_kw: Any) -> None:
    """Forget every search of a browser session that ended (signing out). Sessions that
    end otherwise (idle, too old, revoked with a password change) are forgotten with
    the user's next search (``keep_search``); their handles read as expired meanwhile."""
    db.session.execute(delete(KeptSearch).where(KeptSearch.session_id == session.id))


@dataclass
class ListView:
    """The list a request's arguments name: its filters (with the words, for the query
    only) and the arguments its links carry (never the words)."""

    filters: CaseFilters
    link_args: dict[str, str] = field(default_factory=dict)
    # A handle was given but does not open (expired, another user's): the words are gone.
    expired: bool = False


def link_args_for(filters: CaseFilters, token: str | None) -> dict[str, str]:
    """The address arguments of a list: the filters without words, the handle if any."""
    args = filters.to_args()
    reference = filters.exact_reference()
    if reference:
        args["q"] = reference
    elif has_words(filters):
        args.pop("q", None)
        if token:
            args[SEARCH_ARG] = token
    return args


def list_url(args: dict[str, str], endpoint: str = "cases.index") -> str:
    """The list's address with these arguments (``ListView.link_args``)."""
    return url_for(endpoint, **args)  # type: ignore[arg-type]


def read_list(actor: User, session: UserSession | None, args: Any) -> ListView:
    """The filters of ``args`` (a request's query arguments), the words read back from
    a handle, or from an old ``q=`` (kept, so the page's links carry a handle)."""
    filters = CaseFilters.from_args(args)
    if filters.q:
        token = keep_search_on_read(actor, session, filters.q) if has_words(filters) else None
        return ListView(filters, link_args_for(filters, token))
    token = str(args.get(SEARCH_ARG, "")).strip()
    if not token:
        return ListView(filters, filters.to_args())
    words = kept_words(actor, session, token)
    if words is None:
        return ListView(filters, filters.to_args(), expired=True)
    found = replace(filters, q=words)
    return ListView(found, link_args_for(found, token))


def keep_search_on_read(actor: User, session: UserSession | None, words: str) -> str | None:
    """A handle for an old bookmark's words (none without a browser session)."""
    return None if session is None else keep_search(actor, session, words)
