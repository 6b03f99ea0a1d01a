"""Trainer operations: the simulated clock, class accounts, the outbox view.

Services take an explicit actor and flush; the request (or ``unit_of_work``)
commits. Scenario loading and reset live in ``scenario.py``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update

from mla.audit.services import record_audit
from mla.auth.actors import Actor
from mla.auth.models import User
from mla.auth.services import (
    create_user,
    get_user_by_username,
    normalise_username,
    set_password,
)
from mla.core import clock
from mla.core.access import ROLES
from mla.core.crypto import key_ring
from mla.core.display import when
from mla.core.errors import ServiceError
from mla.core.text import csv_text
from mla.extensions import db
from mla.sandbox.clock import remember_offset
from mla.sandbox.models import ClassBatch, SandboxState

# A trainer may move the clock a year at a time at most: enough for any
# lifecycle in DOMAIN.md, small enough that a typo (3650 days) is refused.
MAX_STEP = timedelta(days=366)
TRAINER_ROLES = ("admin", "supervisor")
CLASS_ROLES = ("trainee", "caseworker", "prosecutor", "supervisor", "auditor")
MAX_CLASS_SIZE = 200
BATCH_TTL = timedelta(hours=2)


# -- the simulated clock ------------------------------------------------------------
def get_state() -> SandboxState:
    """The single sandbox_state row, created on first use."""
    state = db.session.get(SandboxState, 1)
    if state is None:
        state = SandboxState(id=1, offset_seconds=0)
        db.session.add(state)
        db.session.flush()
    return state


def _store_offset(state: SandboxState, target: datetime) -> None:
    offset = target - clock.real_now()
    # Whole seconds, rounded up: the clock never reads earlier than the target.
    state.offset_seconds = math.ceil(offset.total_seconds())
    state.clock_moved_at = clock.real_now()
    remember_offset(timedelta(seconds=state.offset_seconds))
    db.session.flush()


def set_simulated_now(actor: Actor, target: datetime, *, audit: bool = True) -> datetime:
    """Put the simulated clock at ``target`` (any direction; used by load and reset)."""
    if target.tzinfo is None:
        raise ValueError("a UTC instant is required")
    state = get_state()
    _store_offset(state, target)
    if audit:
        record_audit(actor, "sandbox.clock_set", state, to=target.isoformat(),
                     offset=state.offset_seconds)
    return clock.now()


def advance_clock(actor: Actor, *, days: int = 0, hours: int = 0) -> datetime:
    """Move the simulated clock forward by days and hours."""
    step = timedelta(days=days, hours=hours)
    if step <= timedelta(0):
        raise ServiceError(_("Advance the clock by at least one hour."),
                           details={"field": "days"})
    if step > MAX_STEP:
        raise ServiceError(_("Advance by at most %(days)d days at a time.",
                             days=MAX_STEP.days), details={"field": "days"})
    before = clock.now()
    state = get_state()
    _store_offset(state, before + step)
    record_audit(actor, "sandbox.clock_advanced", state, days=days, hours=hours,
                 offset=state.offset_seconds)  # the debrief's real times (mla.sandbox.debrief)
    return clock.now()


def move_clock_to(actor: Actor, target: datetime) -> datetime:
    """Set the simulated clock to a later instant.

    Never backwards: events, deadlines met and reminders sent would then lie in
    the future and timelines would contradict themselves. To start over, the
    trainer resets the scenario, which wipes them and rewinds the clock.
    """
    if target.tzinfo is None:
        raise ValueError("a UTC instant is required")
    current = clock.now()
    if target <= current:
        raise ServiceError(
            _("The clock only moves forward; it is already %(now)s. To go back, reset the "
              "scenario.", now=when(current)),
            details={"field": "target"})
    if target - current > MAX_STEP:
        raise ServiceError(_("Advance by at most %(days)d days at a time.",
                             days=MAX_STEP.days), details={"field": "target"})
    state = get_state()
    _store_offset(state, target)
    record_audit(actor, "sandbox.clock_set", state, to=target.isoformat(),
                 offset=state.offset_seconds)
    return clock.now()


# -- class accounts -----------------------------------------------------------------
@dataclass(frozen=True)
class ClassMember:
    line: int
    username: str
    display_name: str
    role: str


@dataclass(frozen=True)
class CreatedAccount:
    username: str
    display_name: str
    role: str
    password: str


class ClassFileError(ServiceError):
    """The class list cannot be used; ``errors`` name the lines. Nothing was created."""
    def __init__(self, errors: list[str]) -> None:
        super().__init__(_("No account was created: %(count)d problem(s) in the class list.",
                           count=len(errors)), code="invalid_class_list",
                         details={"field": "file", "errors": errors})
        self.errors = errors


HEADER_WORDS = {"username", "display_name", "role", "name", "user", "user_name", "login",
                "display name", "full_name", "full name", "email"}


def parse_class_list(text: str) -> list[ClassMember]:
    """``username,display_name[,role]``, with or without a header line (a first line
    made of column names is the header); errors name the lines."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    rows = list(reader)
    if not any(any(cell.strip() for cell in row) for row in rows):
        raise ClassFileError([_("The file is empty.")])
    first = [cell.strip().lower() for cell in rows[0]]
    # A first line of column names is a header (and must be the right one); else data.
    has_header = bool(first) and all(cell in HEADER_WORDS for cell in first if cell)
    if has_header and (first[:2] != ["username", "display_name"]
                       or first[2:] not in ([], ["role"])):
        raise ClassFileError([_("Line 1: the header must be username,display_name[,role].")])
    columns = len(first) if has_header else 3
    errors: list[str] = []
    members: list[ClassMember] = []
    seen: set[str] = set()
    for number, raw in enumerate(rows[1:] if has_header else rows,
                                 start=2 if has_header else 1):
        if not any(cell.strip() for cell in raw):
            continue
        if len(raw) not in (2, 3) or len(raw) > columns:
            errors.append(_("Line %(n)d: expected %(k)d columns, found %(m)d.",
                            n=number, k=columns, m=len(raw)))
            continue
        username = normalise_username(raw[0])
        display_name = raw[1].strip()
        role = (raw[2].strip().lower() if len(raw) == 3 else "") or "trainee"
        if not username or len(username) > 64 or not all(
                c.isalnum() or c in "._-@" for c in username):
            errors.append(_("Line %(n)d: %(name)r is not a valid user name (letters, digits "
                            "and . _ - @).", n=number, name=raw[0].strip()))
            continue
        if role not in CLASS_ROLES:
            errors.append(_("Line %(n)d: role %(role)r is not one a class account may have "
                            "(%(roles)s).", n=number, role=role, roles=", ".join(CLASS_ROLES)))
            continue
        if not display_name:
            errors.append(_("Line %(n)d: the display name is empty.", n=number))
            continue
        if username in seen:
            errors.append(_("Line %(n)d: %(name)s appears twice.", n=number, name=username))
            continue
        if get_user_by_username(username) is not None:
            errors.append(_("Line %(n)d: the user name %(name)s is taken.", n=number,
                            name=username))
            continue
        seen.add(username)
        members.append(ClassMember(number, username, display_name, role))
    if len(members) > MAX_CLASS_SIZE:
        errors.append(_("At most %(n)d accounts at a time.", n=MAX_CLASS_SIZE))
    if not errors and not members:
        errors.append(_("The file lists no one."))
    if errors:
        raise ClassFileError(errors)
    return members


def new_password_for(actor: Actor, user: User, *, keep_session: Any = None) -> str:
    """A trainer gives a trainee (or themself) a new generated password, returned once;
    the user's sessions and tokens end (set_password) except ``keep_session`` (the
    trainer's own, when it is their password). Flush, never commit."""
    if getattr(user, "role", None) != "trainee" and getattr(actor, "id", None) != user.id:
        raise ServiceError(_("A trainer resets trainees' passwords and their own only."))
    password = _generate_password()
    set_password(actor, user, password,
                 keep_session=keep_session if getattr(actor, "id", None) == user.id else None)
    return password


def _generate_password() -> str:
    # Four groups of five: easy to read aloud in a classroom, ~100 bits.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


def create_class_accounts(actor: Actor, text: str) -> tuple[list[CreatedAccount], str]:
    """Create every account of the list or none. Returns the accounts with their one-time
    passwords and a download token; the passwords exist in clear only in the return value."""
    members = parse_class_list(text)
    if any(m.role not in ROLES for m in members):  # pragma: no cover - parse checks it
        raise ClassFileError([_("Unknown role.")])
    created: list[CreatedAccount] = []
    for member in members:
        password = _generate_password()
        create_user(actor, username=member.username, password=password, role=member.role,
                    display_name=member.display_name)
        created.append(CreatedAccount(member.username, member.display_name, member.role,
                                      password))
    token = _seal_batch(actor, created)
    record_audit(actor, "sandbox.class_created", object_type="users", object_id="",
                 accounts=len(created))
    return created, token


def accounts_csv(accounts: list[CreatedAccount]) -> str:
    return csv_text(["username", "display_name", "role", "password"],
                    ([a.username, a.display_name, a.role, a.password] for a in accounts))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _seal_batch(actor: Actor, accounts: list[CreatedAccount]) -> str:
    token = secrets.token_urlsafe(24)
    # Expiry is real time: moving the simulated clock must not expire a list.
    db.session.execute(update(ClassBatch)
                       .where(ClassBatch.created_at < clock.real_now() - BATCH_TTL)
                       .values(payload_enc=None))
    batch = ClassBatch(token_hash=_token_hash(token), created_by_id=getattr(actor, "id", None),
                       created_at=clock.real_now(), account_count=len(accounts))
    db.session.add(batch)
    db.session.flush()
    batch.payload_enc = key_ring().encrypt(accounts_csv(accounts),
                                           context=f"sandbox_class_batches.{batch.id}")
    db.session.flush()
    return token


def take_batch_csv(actor: Actor, token: str) -> str:
    """The class CSV, once: the sealed copy is erased as it is handed out."""
    batch = db.session.scalar(select(ClassBatch).where(ClassBatch.token_hash == _token_hash(token)))
    if (batch is None or batch.payload_enc is None
            or batch.created_by_id != getattr(actor, "id", None)):
        raise ServiceError(_("This list has already been downloaded or has expired."),
                           code="gone", status=404)
    if clock.real_now() - batch.created_at > BATCH_TTL:
        raise ServiceError(_("This list has already been downloaded or has expired."),
                           code="gone", status=404)
    text = key_ring().decrypt(batch.payload_enc, context=f"sandbox_class_batches.{batch.id}")
    batch.payload_enc = None
    batch.downloaded_at = clock.now()
    record_audit(actor, "sandbox.class_list_downloaded", batch)
    db.session.flush()
    return text


def trainees() -> list[Any]:
    return list(db.session.scalars(
        select(User).where(User.role == "trainee", User.is_enabled.is_(True))
        .order_by(User.display_name, User.username)))
