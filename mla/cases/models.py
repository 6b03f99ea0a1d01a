"""A request (case), its offences, measures, persons and its timeline."""

from __future__ import annotations

import json
import unicodedata
import uuid
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import (
    DDL,
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    event,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from mla.cases import fulltext, tally
from mla.cases.constants import LIFE_MONTHS
from mla.cases.signals import value_unreadable
from mla.core.clock import now
from mla.core.crypto import KeyRingError, SealedBytes, SealedOptionalText, SealedText, key_ring
from mla.core.db import UTCDateTime
from mla.core.errors import ServiceError
from mla.core.text import has_line_break
from mla.extensions import Model


class Case(Model):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("direction IN ('incoming', 'outgoing')", name="direction_known"),
        CheckConstraint("kind IN ('mla', 'extradition')", name="kind_known"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_cases_created", "created_at", "id"),  # the default sort, newest first
        Index("ix_cases_updated", "updated_at", "id"),
        Index("ix_cases_state_created", "state", "created_at"),
        Index("ix_cases_direction_kind_created", "direction", "kind", "created_at"),
        # The list filtered by counterpart, newest first; with the columns the reports'
        # counterpart filters and a request page's counterpart line test beside it, those
        # read the index alone on PostgreSQL (an index-only scan) instead of every row of
        # the counterpart's requests from the table.
        Index("ix_cases_counterpart_created", "counterpart_country", "created_at",
              postgresql_include=["direction", "kind", "id"]),
        Index("ix_cases_assignee_created", "assignee_id", "created_at"),
        # sort=due and its keyset (NULLs last), the overdue filter and count.
        Index("ix_cases_next_due", "next_due_at", "id"),
        Index("ix_cases_urgent_created", "is_urgent", "created_at"),
        # The dashboard's "assigned to me": open requests only, with the predicate exactly
        # as queries.dashboard_counts writes it (PostgreSQL uses a partial index only when
        # it can prove the query's WHERE implies the index's; `NOT is_closed` would not do).
        Index("ix_cases_open_assignee", "assignee_id",
              postgresql_where=text("is_closed IS false"),
              sqlite_where=text("is_closed IS 0")),
        # The dashboard's "overdue" count, in due order (queries.dashboard_counts): an
        # index-only scan of at most COUNT_LIMIT + 1 entries, no table row read to see
        # whether each request is still open.
        # (is_closed in the columns too: SQLite reads an index alone only when it holds
        # every column the query names, even one its predicate fixes.)
        Index("ix_cases_open_due", "next_due_at", "is_closed",
              postgresql_where=text("is_closed IS false"),
              sqlite_where=text("is_closed IS 0")),
        # The dashboard's "open and urgent" count (an index-only scan of at most
        # COUNT_LIMIT + 1 entries; the heap rows it found through the two indexes above
        # were read cold), and the list filtered urgent + open, newest first.
        Index("ix_cases_open_urgent", "created_at", "id",
              postgresql_where=text("is_urgent IS true AND is_closed IS false"),
              sqlite_where=text("is_urgent IS 1 AND is_closed IS 0")),
        # `q=` is a substring search: trigram indexes serve it on PostgreSQL (the pg_trgm
        # extension, created below and by the migration). SQLite ignores the postgresql_*
        # options and builds plain indexes, which serve exact matches only.
        Index("ix_cases_reference_trgm", "reference", postgresql_using="gin",
              postgresql_ops={"reference": "gin_trgm_ops"}),
        Index("ix_cases_title_trgm", "title_search", postgresql_using="gin",
              postgresql_ops={"title_search": "gin_trgm_ops"}),
        Index("ix_cases_counterpart_reference_trgm", "counterpart_reference",
              postgresql_using="gin", postgresql_ops={"counterpart_reference": "gin_trgm_ops"}),
        # Requests sharing a counterpart reference (a possible link), by its key.
        Index("ix_cases_counterpart_reference_key", "counterpart_reference_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    direction: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(12))
    workflow_name: Mapped[str] = mapped_column(String(60))
    workflow_version: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(60))
    # Optimistic concurrency: every transition is a conditional update on this.
    version: Mapped[int] = mapped_column(default=1)
    is_closed: Mapped[bool] = mapped_column(default=False, index=True)

    title: Mapped[str] = mapped_column(String(300))
    title_search: Mapped[str] = mapped_column(String(300))
    # Free text that often names people: sealed at rest (the title stays searchable;
    # README, Security notes).
    summary: Mapped[str] = mapped_column(SealedText("cases.summary"), default="")
    legal_basis: Mapped[str] = mapped_column(ForeignKey("instruments.code"))
    counterpart_country: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    counterpart_authority_id: Mapped[int | None] = mapped_column(
        ForeignKey("authorities.id", ondelete="SET NULL"))
    counterpart_reference: Mapped[str] = mapped_column(String(100), default="")
    # ``reference_key`` of it, kept by its validator (and by the register import, which
    # inserts rows without the ORM): the one form both link searches compare.
    counterpart_reference_key: Mapped[str] = mapped_column(String(300), default="")
    # The bilateral treaty the request is made under (its periods apply), if any.
    treaty_id: Mapped[int | None] = mapped_column(
        ForeignKey("treaties.id", ondelete="SET NULL"), index=True)
    # The domestic side: the requesting prosecutor's office (outgoing) or the
    # executing body (incoming), with its own file number.
    domestic_authority_id: Mapped[int | None] = mapped_column(
        ForeignKey("authorities.id", ondelete="SET NULL"), index=True)
    domestic_reference: Mapped[str] = mapped_column(String(100), default="")
    is_urgent: Mapped[bool] = mapped_column(default=False)
    # Sealed: typed by the caseworker (custody, flight, a person's health). NULL when none.
    urgency_reason: Mapped[str] = mapped_column(
        SealedOptionalText("cases.urgency_reason"), nullable=True, default="")
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # The earliest running deadline, kept by the deadlines service for list filters.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # In a training sandbox, the trainee's (or team's) copy of the scenario this request
    # belongs to; NULL everywhere else. Who may see a copy is said through the
    # ``case_scope`` signal (cases knows no sandbox).
    sandbox_copy_id: Mapped[int | None] = mapped_column(index=True)

    counterpart_authority = relationship("Authority", foreign_keys=[counterpart_authority_id])
    domestic_authority = relationship("Authority", foreign_keys=[domestic_authority_id])
    country = relationship("Country")
    instrument = relationship("Instrument")
    assignee = relationship("User", foreign_keys=[assignee_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    offences: Mapped[list[Offence]] = relationship(
        back_populates="case", order_by="Offence.position", cascade="all, delete-orphan")
    measures: Mapped[list[Measure]] = relationship(
        back_populates="case", order_by="Measure.id", cascade="all, delete-orphan")
    persons: Mapped[list[Person]] = relationship(
        back_populates="case", order_by="Person.id", cascade="all, delete-orphan")
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan")

    def is_overdue(self, at: datetime) -> bool:
        return self.next_due_at is not None and self.next_due_at < at

    @validates("counterpart_reference")
    def _one_line(self, field: str, value: str) -> str:
        # It goes into letter subjects, hence mail headers: refused here, where the
        # form, the API, case edits and workflow steps all pass.
        if value and has_line_break(value):
            raise ServiceError(_("Write the reference on one line."), code="invalid",
                               details={"field": field})
        self.counterpart_reference_key = reference_key(value or "")
        return value


def reference_key(reference: str) -> str:
    """A counterpart reference as the link searches compare it, whatever its case and
    however its letters were typed: NFKC, then case-folded in Python ("ÉTAT-12",
    "état-12" and "E\u0301tat-12" are one key). Computed here, not by the database's
    upper() or lower(), which SQLite applies to ASCII letters only (and PostgreSQL as
    its collation says). At most the column's 300 characters: NFKC writes some single
    characters as up to 18 (U+FDFA), and a key longer than the column is refused."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", reference.strip())
                                 .casefold())[:REFERENCE_KEY_LENGTH]


REFERENCE_KEY_LENGTH = 300


# The trigram operator classes above need the extension before the table is created.
event.listen(Case.__table__, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))
# On SQLite `q=` is served by an FTS5 table kept by triggers (mla/cases/fulltext.py); the
# migration creates it, these do the same for create_all (tests, benches).
for _statement in (fulltext.CREATE_TABLE, *fulltext.CREATE_TRIGGERS):
    event.listen(Case.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
event.listen(Case.__table__, "before_drop",
             DDL(fulltext.DROP_TABLE).execute_if(dialect="sqlite"))
# The number of requests is kept by triggers too (mla/cases/tally.py): the tally's table
# is made before ``cases`` (the triggers write to it) and emptied after it.
Case.__table__.add_is_dependent_on(tally.CaseTally.__table__)  # type: ignore[attr-defined]
for _statement in tally.CREATE_SQLITE:
    event.listen(Case.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in tally.CREATE_POSTGRESQL:
    event.listen(Case.__table__, "after_create",
                 DDL(_statement).execute_if(dialect="postgresql"))


class ReferenceCounter(Model):
    """Next number per prefix and year; incremented by a conditional update."""

    __tablename__ = "reference_counters"

    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class Offence(Model):
    __tablename__ = "case_offences"
    __table_args__ = (
        CheckConstraint("max_penalty_months IS NULL OR max_penalty_months > 0",
                        name="penalty_positive"),
        CheckConstraint("list_category IS NULL OR list_category BETWEEN 1 AND 32",
                        name="list_category_range"),
        CheckConstraint("list_category IS NULL OR is_list_category_confirmed",
                        name="list_category_confirmed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(String(200))
    statute: Mapped[str] = mapped_column(String(200), default="")
    max_penalty_months: Mapped[int | None]
    iccs_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    conduct: Mapped[str] = mapped_column(SealedText("case_offences.conduct"), default="")
    # EAW art. 2(2) / EIO Annex D: the list category the issuing authority ticked on the
    # warrant or order (CJEU C-303/05 Advocaten voor de Wereld), as the caseworker
    # confirmed it; the ICCS mapping only suggests one. Confirmed with no category:
    # none was ticked (dual criminality is then verified).
    list_category: Mapped[int | None]
    is_list_category_confirmed: Mapped[bool] = mapped_column(default=False,
                                                             server_default=false())

    case: Mapped[Case] = relationship(back_populates="offences")

    @property
    def is_life(self) -> bool:
        return self.max_penalty_months == LIFE_MONTHS


class Measure(Model):
    __tablename__ = "case_measures"
    __table_args__ = (UniqueConstraint("case_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    # Sealed: whom or what the measure concerns (from a counterpart's package). NULL if none.
    details: Mapped[str] = mapped_column(
        SealedOptionalText("case_measures.details"), nullable=True, default="")

    case: Mapped[Case] = relationship(back_populates="measures")


ENCRYPTED_PERSON_FIELDS = ("full_name", "date_of_birth", "identifiers", "address", "nationality")


class Person(Model):
    """A person concerned; every identifying field is encrypted at rest.

    Each ciphertext is bound to this row (by ``uid``, fixed before insert) and its
    column, so values cannot be swapped between rows or fields unnoticed.
    """

    __tablename__ = "case_persons"
    __table_args__ = (
        CheckConstraint("role IN ('suspect', 'witness', 'victim', 'expert', 'other')",
                        name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True,
                                     default=lambda: uuid.uuid4().hex)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    is_in_custody: Mapped[bool] = mapped_column(default=False)
    full_name_enc: Mapped[bytes] = mapped_column(SealedBytes("case_persons.full_name.{uid}"))
    date_of_birth_enc: Mapped[bytes | None] = mapped_column(
        SealedBytes("case_persons.date_of_birth.{uid}"))
    identifiers_enc: Mapped[bytes | None] = mapped_column(
        SealedBytes("case_persons.identifiers.{uid}"))
    address_enc: Mapped[bytes | None] = mapped_column(SealedBytes("case_persons.address.{uid}"))
    nationality_enc: Mapped[bytes | None] = mapped_column(
        SealedBytes("case_persons.nationality.{uid}"))
    # Keyed blind index of the normalised name, for exact-name search (`info` tells
    # `keys rotate --blind-index` what to rebuild it from).
    name_index: Mapped[str] = mapped_column(
        String(32), index=True,
        info={"blind_index_of": "full_name_enc", "blind_index_purpose": "person.name"})

    case: Mapped[Case] = relationship(back_populates="persons")

    def _context(self, field: str) -> str:
        if not self.uid:
            self.uid = uuid.uuid4().hex
        return f"{self.__tablename__}.{field}.{self.uid}"

    def set_field(self, field: str, value: str | None) -> None:
        if field not in ENCRYPTED_PERSON_FIELDS:
            raise KeyError(field)
        value = (value or "").strip()
        if field == "full_name":
            if not value:
                raise ValueError("a person needs a name")
            self.name_index = key_ring().blind_index(value, purpose="person.name")
        blob = key_ring().encrypt(value, context=self._context(field)) if value else None
        setattr(self, f"{field}_enc", blob)

    def get_field(self, field: str) -> str:
        if field not in ENCRYPTED_PERSON_FIELDS:
            raise KeyError(field)
        blob = getattr(self, f"{field}_enc")
        if not blob:
            return ""
        try:
            return key_ring().decrypt(blob, context=self._context(field))
        except KeyRingError:
            # Changed in the database, or written under a key the ring lacks: the rest
            # of the request stays readable, and the domains that alert people hear of it.
            value_unreadable.send(self, field=field)
            return UNREADABLE

    @property
    def full_name(self) -> str:
        return self.get_field("full_name")

    def decrypted(self) -> dict[str, str]:
        return {field: self.get_field(field) for field in ENCRYPTED_PERSON_FIELDS}


class Unreadable(str):
    """A personal value that does not decrypt. As text it is empty, so nothing is
    copied into a form, an export or a letter; on a page it is marked."""

    def __html__(self) -> str:
        return Markup('<span class="badge text-bg-danger" data-unreadable>{}</span>').format(
            _("unreadable: administrators have been alerted"))


UNREADABLE = Unreadable("")


class CaseEvent(Model):
    """The timeline and transition history of a request."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_at", "case_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(100), default="")
    # 'registered', 'transition', 'note', 'dc_assessment', 'deadline', 'letter', ...
    kind: Mapped[str] = mapped_column(String(30))
    transition: Mapped[str | None] = mapped_column(String(60))
    from_state: Mapped[str | None] = mapped_column(String(60))
    to_state: Mapped[str | None] = mapped_column(String(60))
    comment: Mapped[str] = mapped_column(SealedText("case_events.comment"), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What a caseworker typed at a step (its text fields: reasons, conditions, questions,
    # places), as a JSON object, sealed like the comment; data["values"] keeps only the
    # step's structured values (dates, choice codes, authorities, refusal grounds),
    # which reports read in SQL. Read both through ``values``.
    sealed_values: Mapped[str | None] = mapped_column(SealedText("case_events.sealed_values"))
    # Internal events are hidden from prosecutors' views.
    is_internal: Mapped[bool] = mapped_column(default=False)

    case: Mapped[Case] = relationship(back_populates="events")
    actor = relationship("User")

    @property
    def values(self) -> dict[str, Any]:
        """Every value the step recorded: the structured ones and the opened free text."""
        found = dict((self.data or {}).get("values") or {})
        if self.sealed_values:
            found.update(json.loads(self.sealed_values))
        return found
