"""Clocks on requests, calendar feed tokens, per-authority rule settings."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mla.core.clock import now
from mla.core.crypto import SealedOptionalText
from mla.core.db import StrEnumType, UTCDateTime
from mla.extensions import Model


class DeadlineStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    STOPPED = "stopped"


DEADLINE_STATUSES = tuple(s.value for s in DeadlineStatus)


class Deadline(Model):
    """One clock on one request, computed from a rule in mla/data/deadlines/rules.toml.

    The due instant is recomputed from the inputs kept here (start day, period,
    days paused, days of extension) so a pause, a resume or an extension never
    drifts. ``next_reminder_at`` is the next instant the scheduler's tick must
    look at this row; ``reminded_through`` is how far it has looked.
    """

    __tablename__ = "deadlines"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'paused', 'met', 'stopped')", name="status_known"),
        CheckConstraint("paused_days >= 0 AND extended_days >= 0 AND extensions >= 0",
                        name="counts_positive"),
        CheckConstraint("status <> 'paused' OR paused_at IS NOT NULL", name="paused_has_start"),
        Index("ix_deadlines_status_next_reminder", "status", "next_reminder_at"),
        Index("ix_deadlines_case_status", "case_id", "status"),
        Index("ix_deadlines_status_due", "status", "due_at"),
        # The dashboard's due list: running custody clocks, then the others, each by due.
        Index("ix_deadlines_running_custody_due", "status", "is_custody", "due_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    rule_code: Mapped[str] = mapped_column(String(40))
    status: Mapped[DeadlineStatus] = mapped_column(StrEnumType(DeadlineStatus, 10),
                                                   default=DeadlineStatus.RUNNING)
    is_custody: Mapped[bool] = mapped_column(default=False)
    # Whose clock: the state, its zone and holiday calendar, fixed when started.
    country_code: Mapped[str] = mapped_column(String(2))
    zone_name: Mapped[str] = mapped_column(String(64), default="UTC")
    holiday_calendar: Mapped[str] = mapped_column(String(8), default="")
    is_business: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    start_on: Mapped[date] = mapped_column(Date)
    fixed_due_on: Mapped[date | None] = mapped_column(Date)
    # A new date agreed with the other side (EIO art. 12(6); UNTOC art. 18(24)):
    # once set it is the last day, whatever the period, pauses or extensions.
    agreed_due_on: Mapped[date | None] = mapped_column(Date)
    # The counting convention in force when the clock started (rule and state setting).
    counts_event_day: Mapped[bool] = mapped_column(default=False, server_default=false())
    moves_to_working_day: Mapped[bool] = mapped_column(default=False, server_default=false())
    period_days: Mapped[int] = mapped_column(default=0)
    soft_days: Mapped[int | None]
    paused_days: Mapped[int] = mapped_column(default=0)
    extended_days: Mapped[int] = mapped_column(default=0)
    extensions: Mapped[int] = mapped_column(default=0)
    # Sealed: the reason is typed by a caseworker (it may name the person, their lawyer,
    # their health) and the notice repeats the letter's subject (sealed in letters). NULL
    # while the clock was never extended.
    extension_reason: Mapped[str] = mapped_column(
        SealedOptionalText("deadlines.extension_reason"), nullable=True, default="")
    extension_notice: Mapped[str] = mapped_column(
        SealedOptionalText("deadlines.extension_notice"), nullable=True, default="")
    cycle: Mapped[int] = mapped_column(default=0)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Sealed: the comment typed at the step that paused the clocks (it may name the
    # person, an informant, a lawyer). NULL while the clock is not paused.
    pause_reason: Mapped[str] = mapped_column(
        SealedOptionalText("deadlines.pause_reason"), nullable=True, default="")
    soft_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_through: Mapped[datetime | None] = mapped_column(UTCDateTime)
    missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    case = relationship("Case")

    @property
    def is_open(self) -> bool:
        return self.status in (DeadlineStatus.RUNNING, DeadlineStatus.PAUSED)

    def is_missed(self, at: datetime) -> bool:
        if self.status == DeadlineStatus.MET:
            return self.ended_at is not None and self.ended_at > self.due_at
        return self.status == DeadlineStatus.RUNNING and self.due_at < at


class CalendarFeed(Model):
    """A secret iCalendar URL; only the token's SHA-256 is stored."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")


class RuleSetting(Model):
    """The authority's choices for a rule (e.g. send status inquiries without approval)."""

    __tablename__ = "deadline_rule_settings"

    rule_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    send_without_approval: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CountingSetting(Model):
    """How a state's law counts periods, where the rules leave it to national law
    (`event_day = "state"`, `non_working_end = "state"`); unset: the documented default."""

    __tablename__ = "deadline_counting_settings"

    country_code: Mapped[str] = mapped_column(
        ForeignKey("countries.code", ondelete="CASCADE"), primary_key=True)
    counts_event_day: Mapped[bool | None]
    moves_to_working_day: Mapped[bool | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))


class CountryTimeZone(Model):
    """Override of a state's time zone where tzdata's principal zone is not the right one."""

    __tablename__ = "country_time_zones"

    country_code: Mapped[str] = mapped_column(
        ForeignKey("countries.code", ondelete="CASCADE"), primary_key=True)
    zone_name: Mapped[str] = mapped_column(String(64))
