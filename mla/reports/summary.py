"""The reports' summary of the history: one row per finished stay of a request in a state.

Time in each state and the state a request was in at a past instant are read here
instead of ordering a request's whole history each time (a window over millions of
history rows at a million requests). A stay is finished when the next history row that
enters a state is written: the row that entered the state, the row that left it, and
their instants. The stay a request is in now is not here (its state is ``cases.state``).

The row is written in the same transaction and flush as the history row that ends the
stay, by a mapper hook on ``CaseEvent``: every way a step is recorded (the engine's
transitions, reopening, imports, generated histories) adds a history row through the
ORM, so one ``INSERT ... SELECT`` per such row keeps the summary right, and deleting a
request or a history row removes its stays (foreign keys, ON DELETE CASCADE). A history
row written out of order (dated before later ones) or by a bulk insert is the one case
the hook cannot follow: ``flask reports rebuild`` recomputes the table from the history
(idempotent), as the migration did.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    DDL,
    ForeignKey,
    Index,
    String,
    and_,
    case,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, aliased, mapped_column

from mla.cases.models import Case, CaseEvent
from mla.core.db import UTCDateTime
from mla.extensions import Model, db


class Stay(Model):
    """A finished stay: the request entered ``state`` at ``entered_at`` (history row
    ``entered_event_id``) and left it at ``left_at`` (history row ``left_event_id``, a
    row of kind ``next_kind`` entering ``next_state``, recording refusal ground
    ``ground`` if any). A request's workflow, direction and registration instant never
    change and are copied, so closings (a step into a final state) and their days are
    read here without the requests or the history."""

    __tablename__ = "report_stays"
    # PostgreSQL answers from the indexes alone (INCLUDE: index-only scans once vacuumed).
    __table_args__ = (
        Index("ix_report_stays_case_left", "case_id", "left_at",
              postgresql_include=["workflow_name", "state", "entered_at", "next_state",
                                  "next_kind"]),
        Index("ix_report_stays_next_left", "next_state", "left_at",
              postgresql_include=["case_id", "registered_at", "workflow_name", "direction",
                                  "next_kind"]),
        # The few steps that recorded a refusal ground.
        Index("ix_report_stays_ground", "case_id", "left_event_id",
              postgresql_where=text("ground IS NOT NULL"),
              sqlite_where=text("ground IS NOT NULL")),
    )

    entered_event_id: Mapped[int] = mapped_column(
        ForeignKey("case_events.id", ondelete="CASCADE"), primary_key=True,
        autoincrement=False)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    workflow_name: Mapped[str] = mapped_column(String(60))
    direction: Mapped[str] = mapped_column(String(10))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(60))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    left_event_id: Mapped[int] = mapped_column(
        ForeignKey("case_events.id", ondelete="CASCADE"), index=True)
    left_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_state: Mapped[str] = mapped_column(String(60))
    next_kind: Mapped[str] = mapped_column(String(30))
    ground: Mapped[str | None] = mapped_column(String(60))


# PostgreSQL's planner takes the closings' conditions (a final state of the request's
# workflow, a step of a closing kind) as independent and expected 38,000 of a year's
# 285,000 at a million requests, so it looked each one's stays up in turn. The values
# these columns take together (a most-common-values list) let it count them.
CLOSING_STATISTICS = "st_report_stays_closing"
event.listen(Stay.__table__, "after_create", DDL(
    f"CREATE STATISTICS {CLOSING_STATISTICS} (mcv) "
    "ON workflow_name, next_state, next_kind FROM report_stays").execute_if(
        dialect="postgresql"))


# The steps of outgoing requests the counterparts report times (transmission,
# acknowledgement, execution: queries.TRANSMITTED, ACKNOWLEDGED, EXECUTED), each request's
# found by its id in a few index entries instead of a scan of the whole history (5.5
# million rows at a million requests). The predicate is the queries' own, so PostgreSQL
# can prove they imply it.
COUNTERPART_STEPS = ("transmit", "record_acknowledgement", "record_results",
                     "extradition_granted")
_STEPS_PREDICATE = ("kind = 'transition' AND transition IN ("
                    + ", ".join(f"'{step}'" for step in COUNTERPART_STEPS) + ")")
Index("ix_case_events_counterpart_steps", CaseEvent.case_id, CaseEvent.transition,
      CaseEvent.at, postgresql_where=text(_STEPS_PREDICATE),
      sqlite_where=text(_STEPS_PREDICATE))


def recorded_ground(event: Any = CaseEvent) -> Any:
    """The refusal ground a history row recorded (its form's value), or NULL."""
    values = event.data["values"]
    return func.coalesce(values["refusal_ground"].as_string(), values["ground"].as_string())


_COLUMNS = ("entered_event_id", "case_id", "workflow_name", "direction", "registered_at",
            "state", "entered_at", "left_event_id", "left_at", "next_state", "next_kind",
            "ground")


def _stay_row(earlier: Any, later: Any) -> tuple[Any, ...]:
    ground = recorded_ground(later)
    return (earlier.id, earlier.case_id, Case.workflow_name, Case.direction, Case.created_at,
            earlier.to_state, earlier.at, later.id, later.at, later.to_state, later.kind,
            case((ground != "", ground)))


@event.listens_for(CaseEvent, "after_insert")
def _stay_ended(_mapper: Mapper[Any], connection: Connection, target: CaseEvent) -> None:
    """One statement per history row entering a state (none for the registration, which
    ends nothing), in the flush that writes the row: the stay it ends is the latest
    earlier row of the request that entered a state."""
    if target.to_state is None or target.kind == "registered":
        return
    earlier, later = aliased(CaseEvent), aliased(CaseEvent)
    previous = (select(*_stay_row(earlier, later))
                .select_from(later)
                .join(Case, Case.id == later.case_id)
                .join(earlier, earlier.case_id == later.case_id)
                .where(later.id == target.id, earlier.to_state.is_not(None),
                       earlier.id != later.id,
                       or_(earlier.at < later.at,
                           and_(earlier.at == later.at, earlier.id < later.id)))
                .order_by(earlier.at.desc(), earlier.id.desc())
                .limit(1))
    connection.execute(insert(Stay).from_select(_COLUMNS, previous))


# The kinds of history row whose step into a final state is a closing: a step taken in
# Comity, or a closing a legacy register recorded (mla.imports, at its closing date).
CLOSING_KINDS = ("transition", "imported")


def all_stays(cases: Any = None) -> Any:
    """SELECT every finished stay from the history (one window over each request's rows
    that entered a state, in the order they were written: each row with the next), or
    those of the requests ``cases`` (a SELECT of their ids) only."""
    def after(column: Any, **kw: Any) -> Any:
        return func.lead(column, **kw).over(partition_by=CaseEvent.case_id,
                                            order_by=(CaseEvent.at, CaseEvent.id))

    ground = recorded_ground(CaseEvent)
    ranked = (select(CaseEvent.id, CaseEvent.case_id, CaseEvent.to_state, CaseEvent.at,
                     after(CaseEvent.id).label("next_id"),
                     after(CaseEvent.at, type_=UTCDateTime()).label("next_at"),
                     after(CaseEvent.to_state).label("next_state"),
                     after(CaseEvent.kind).label("next_kind"),
                     after(case((ground != "", ground))).label("next_ground"))
              .where(CaseEvent.to_state.is_not(None),
                     *([CaseEvent.case_id.in_(cases)] if cases is not None else []))
              .subquery())
    return (select(ranked.c.id, ranked.c.case_id, Case.workflow_name, Case.direction,
                   Case.created_at, ranked.c.to_state, ranked.c.at, ranked.c.next_id,
                   ranked.c.next_at, ranked.c.next_state, ranked.c.next_kind,
                   ranked.c.next_ground)
            .join(Case, Case.id == ranked.c.case_id)
            .where(ranked.c.next_id.is_not(None)))


def rebuild_stays() -> int:
    """Recompute the summary from the history (the caller commits); returns its rows."""
    db.session.execute(delete(Stay))
    db.session.execute(insert(Stay).from_select(_COLUMNS, all_stays()))
    return db.session.scalar(select(func.count()).select_from(Stay)) or 0
