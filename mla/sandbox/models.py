"""Training sandbox: deployment identity, the simulated clock, scenario state,
simulated counterparts, exercises and one-time class credentials."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mla.core.clock import now
from mla.core.crypto import SealedBytes
from mla.core.db import UTCDateTime
from mla.core.i18n import data_text, exercise_key, scenario_key
from mla.core.text import unwrapped
from mla.extensions import Model

MODES = ("production", "sandbox")
COUNTERPART_OUTCOMES = ("execute", "refuse", "none")


class DeploymentIdentity(Model):
    """Which kind of instance owns this database, and with which key ring.

    One row (id = 1), written the first time the app starts on a migrated
    database. A sandbox never starts on a production database and the other
    way round (mla.sandbox.guard).
    """

    __tablename__ = "deployment_identity"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("mode IN ('production', 'sandbox')", name="mode_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    mode: Mapped[str] = mapped_column(String(12))
    key_ring_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class SandboxState(Model):
    """The trainer's clock offset and the scenario loaded (one row, id = 1)."""

    __tablename__ = "sandbox_state"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    # Simulated now = real now + offset. Seconds, so SQLite and PostgreSQL agree.
    offset_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    pack: Mapped[str] = mapped_column(String(60), default="")
    pack_title: Mapped[str] = mapped_column(String(200), default="")
    # The simulated instant the scenario starts at (the clock is set to it on load/reset).
    scenario_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    loaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clock_moved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def pack_title_text(self) -> str:
        """The scenario's title in the page's language (mla.core.i18n)."""
        return data_text(scenario_key(self.pack, "title"), self.pack_title)


class CounterpartProfile(Model):
    """How a fictional state's central authority answers our outgoing requests."""

    __tablename__ = "sandbox_counterparts"
    __table_args__ = (
        CheckConstraint("acknowledge_after_days >= 0", name="ack_days_positive"),
        CheckConstraint("answer_after_days >= 0", name="answer_days_positive"),
        CheckConstraint("supplementary_probability >= 0 AND supplementary_probability <= 100",
                        name="probability_range"),
        CheckConstraint("outcome IN ('execute', 'refuse', 'none')",
                        name="outcome_known"),
    )

    country_code: Mapped[str] = mapped_column(
        ForeignKey("countries.code", ondelete="CASCADE"), primary_key=True)
    acknowledge_after_days: Mapped[int] = mapped_column(default=3)
    answer_after_days: Mapped[int] = mapped_column(default=20)
    # Percent chance (0-100) that the counterpart asks for more information first,
    # drawn deterministically per request (same request, same answer after a reset).
    supplementary_probability: Mapped[int] = mapped_column(default=0)
    supplementary_question: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(20), default="execute")
    refusal_ground: Mapped[str] = mapped_column(String(60), default="")
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    # What the counterpart writes and when it is satisfied, as the pack says
    # (mla.sandbox.pack.specs.LetterScript): {"language": "fr", "letters": {kind: {lang:
    # text}}, "complete": {"keywords": [...], "checklist": [...]}, "max_questions": 3}.
    script: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CounterpartProgress(Model):
    """What the simulated counterpart has already done on one outgoing request."""

    __tablename__ = "sandbox_counterpart_progress"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    transmitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The plan, fixed when the request is first seen transmitted: from the pack's
    # request entry when it gave one, else drawn from the state's profile.
    will_ask_supplementary: Mapped[bool] = mapped_column(default=False)
    planned_outcome: Mapped[str] = mapped_column(String(20), default="execute")
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    supplementary_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(20), default="")


LETTER_KINDS = {
    "acknowledgement": _l("Acknowledgement of receipt"),
    "question": _l("Request for supplementary information"),
    "refusal": _l("Refusal"),
    "execution": _l("Execution report"),
}
LETTER_LANGUAGE_NAMES = {"en": _l("English"), "fr": _l("French"), "es": _l("Spanish")}


class CounterpartLetter(Model):
    """A letter the simulated counterpart sent on one request, and the trainee's answer.

    Shown on the request page and in the trainee's notifications; a question is answered
    in Comity (``mla.sandbox.letters``), and whether the answer is complete is decided by
    the pack's rule, recorded here with what was missing.
    """

    __tablename__ = "sandbox_counterpart_letters"
    __table_args__ = (
        CheckConstraint("kind IN ('acknowledgement', 'question', 'refusal', 'execution')",
                        name="kind_known"),
        Index("ix_sandbox_counterpart_letters_case", "case_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[int] = mapped_column(default=1)  # 2 = the second question, ...
    sender: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="en")
    text: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)  # simulated time
    # The answer (questions only): simulated and real time, who, what, the ticked items.
    answer: Mapped[str] = mapped_column(Text, default="")
    ticked: Mapped[list[str]] = mapped_column(JSON, default=list)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_real_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    complete: Mapped[bool | None] = mapped_column()
    missing: Mapped[list[str]] = mapped_column(JSON, default=list)

    answered_by = relationship("User")
    case = relationship("Case")

    @property
    def is_open(self) -> bool:
        return self.kind == "question" and self.answered_at is None

    @property
    def kind_label(self) -> str:
        return str(LETTER_KINDS.get(self.kind, self.kind))

    @property
    def language_name(self) -> str:
        return str(LETTER_LANGUAGE_NAMES.get(self.language, self.language))


class Exercise(Model):
    """An exercise from the loaded pack: named checks with parameters (never code)."""

    __tablename__ = "sandbox_exercises"
    __table_args__ = (UniqueConstraint("code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    # [{"check": "registered_case", "label": "...", "params": {...}}, ...]
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    # The pack's words in the page's language (mla.core.i18n); the columns keep them
    # as the pack wrote them.
    @property
    def title_text(self) -> str:
        return data_text(exercise_key(self.code, "title"), self.title)

    @property
    def instructions_text(self) -> str:
        return unwrapped(data_text(exercise_key(self.code, "instructions"), self.instructions))

    def check_label(self, index: int) -> str:
        """The label of check ``index`` (from 0), in the page's language."""
        spec = self.checks[index]
        label = spec.get("label") or spec.get("check", "")
        return data_text(exercise_key(self.code, "check", str(index + 1)), label)


class ClassBatch(Model):
    """Generated class passwords, encrypted, downloadable once by their creator.

    The clear passwords are never stored: the CSV is sealed with the key ring and
    the blob is erased on the first download (or when it expires).
    """

    __tablename__ = "sandbox_class_batches"
    __table_args__ = (Index("ix_sandbox_class_batches_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    account_count: Mapped[int] = mapped_column(default=0)
    payload_enc: Mapped[bytes | None] = mapped_column(
        SealedBytes("sandbox_class_batches.{id}"))
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")


class ScenarioCase(Model):
    """A request the scenario created, by the key the pack gave it (exercises name it).

    One row per copy: the trainer's (the request's ``sandbox_copy_id`` is NULL) and
    each trainee's or team's.
    """

    __tablename__ = "sandbox_scenario_cases"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(60), index=True)
    # How the simulated counterpart answers this request, when the pack says so.
    counterpart_plan: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    case = relationship("Case")


class SandboxCopy(Model):
    """One trainee's (or one team's) own copy of the loaded scenario.

    Its requests carry its id in ``cases.sandbox_copy_id``; its members see those
    requests and no other (``mla.sandbox.hooks``). The trainer's copy is the requests
    with no copy id, which only non-trainees see.
    """

    __tablename__ = "sandbox_copies"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # When (simulated) the copy's requests were last built: at load, reset or late arrival.
    built_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    members: Mapped[list[CopyMember]] = relationship(
        back_populates="copy", order_by="CopyMember.user_id")


class CopyMember(Model):
    """Who works on a copy: one trainee, or every member of a team."""

    __tablename__ = "sandbox_copy_members"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    copy_id: Mapped[int] = mapped_column(
        ForeignKey("sandbox_copies.id", ondelete="CASCADE"), index=True)

    copy: Mapped[SandboxCopy] = relationship(back_populates="members")
    user = relationship("User")
