"""Requests generated in bulk for the benches (`bench list_page`, `bench reports`,
`bench web`, and the benches that measure their databases), and the database they go
into: each one follows its real workflow (incoming and outgoing MLA, incoming
extradition) from its registration to where its age has taken it, with a history row
per step and the deadlines a request in that state has running (custody clocks for a
person arrested on an extradition request), so that lists, dashboards, the custody
board and the reports have what a register of some years holds.

Distributions (made up, stable for a seed): two thirds incoming; 4% of the incoming
are extradition requests; counterparts skewed towards neighbours; one request in eight
about fraud; one in thirteen urgent; four in five assigned; some requests stay where
they are (a backlog: one incoming MLA request in eleven was never acknowledged).

A bench on a throwaway database (SQLite in its folder unless a URL is given) makes its
app with `bench_app`, sets the database up with `new_database` (or `reuse_database` for
one an earlier run filled), loads with `insert_requests` inside `indexes_set_aside`
(the secondary indexes built once after the load, as a restore does), rebuilds the
reports' summary if it reads reports (`rebuild_summary`: a bulk insert bypasses the
hook that keeps it) and gives the planner its statistics (`analyze`).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Table, insert, select, text

from mla.cases.constants import DIRECTION_CODES, REFERENCE_PREFIXES
from mla.cases.models import reference_key

COUNTRIES = ("FR", "DE", "IT", "ES", "NL", "BE", "PL", "AT", "XA", "XB")
COUNTRY_WEIGHTS = (20, 18, 12, 10, 9, 8, 8, 6, 5, 4)
OFFENCES = ("fraud", "money laundering", "drug trafficking", "cybercrime", "corruption",
            "human trafficking", "tax evasion", "armed robbery")
LEGAL_BASES = ("UNTOC", "UNTOC", "UNTOC", "UNCAC", "RECIPROCITY")
HOME = "XZ"
FICTIONAL = (("XZ", "Zembla"), ("XA", "Arcadia"), ("XB", "Borduria"))
PASSWORD = "bench password 123"

# (days after the previous step, transition, from, to), in order; a request stops at the
# first step that lies in the future.
Step = tuple[float, str, str, str]


def _incoming_mla(n: int) -> list[Step]:
    steps: list[Step] = [(1 + n % 9, "acknowledge", "received", "under_review")]
    if n % 5 == 0:
        steps += [(14, "request_information", "under_review", "awaiting_information"),
                  (12 + n % 30, "information_received", "awaiting_information", "under_review")]
    steps += [(10 + n % 20, "refer_for_decision", "under_review", "decision"),
              (5 + n % 30, "accept", "decision", "accepted"),
              (3 + n % 10, "assign_execution", "accepted", "in_execution"),
              (30 + n % 300, "report_execution", "in_execution", "execution_completed"),
              (2 + n % 15, "transmit_results", "execution_completed", "results_transmitted"),
              (1 + n % 10, "close_executed", "results_transmitted", "closed_executed")]
    return steps


def _outgoing_mla(n: int) -> list[Step]:
    return [(1, "submit", "draft", "ca_review"),
            (2, "submit_for_signature", "ca_review", "awaiting_signature"),
            (1, "sign", "awaiting_signature", "signed"),
            (1, "transmit", "signed", "transmitted"),
            (5 + n % 40, "record_acknowledgement", "transmitted", "under_execution"),
            (55 + n % 300, "record_results", "under_execution", "results_received"),
            (10, "close_executed", "results_received", "closed_executed")]


def _incoming_extradition(n: int) -> list[Step]:
    return [(n % 3, "record_arrest", "received", "arrested"),
            (18 + n % 22, "formal_request_received", "arrested", "under_review"),
            (20 + n % 30, "refer_to_court", "under_review", "judicial_phase"),
            (40 + n % 90, "court_allows", "judicial_phase", "executive_decision"),
            (20 + n % 40, "grant", "executive_decision", "surrender_pending"),
            (5 + n % 10, "schedule_surrender", "surrender_pending", "surrender_scheduled"),
            (3 + n % 7, "record_surrender", "surrender_scheduled", "surrendered")]


WORKFLOWS = {
    "incoming_mla": ("incoming", "mla", "received", _incoming_mla),
    "outgoing_mla": ("outgoing", "mla", "draft", _outgoing_mla),
    "incoming_extradition": ("incoming", "extradition", "received", _incoming_extradition),
}
FINAL = {"closed_executed", "surrendered"}
# The clock a request has running in a state: (rule, days, is_custody), counted from
# the step that entered the state.
CLOCKS = {
    ("incoming_mla", "received"): ("sla_acknowledge", 10, False),
    ("incoming_mla", "under_review"): ("sla_decision", 30, False),
    ("incoming_mla", "decision"): ("sla_decision", 30, False),
    ("outgoing_mla", "transmitted"): ("outgoing_followup", 60, False),
    ("outgoing_mla", "under_execution"): ("outgoing_followup", 90, False),
    ("incoming_extradition", "arrested"): ("provisional_arrest_domestic", 40, True),
}


@dataclass
class Generator:
    """Rows for requests ``offset + 1`` to ``offset + total`` registered evenly between
    ``start`` and ``until``; ``until`` is also "now": no step of a history lies after
    it. ``counters`` continue the reference numbers."""

    start: datetime
    until: datetime
    total: int
    versions: dict[str, str]
    assignees: list[int]
    offset: int = 0
    seed: int = 13
    counters: dict[tuple[str, int], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def workflow_of(self, n: int) -> str:
        if n % 3 == 0:
            return "outgoing_mla"
        return "incoming_extradition" if n % 25 == 1 else "incoming_mla"

    def request(self, n: int) -> tuple[dict[str, Any], list[dict[str, Any]],
                                       list[dict[str, Any]]]:
        """Request ``n`` (its id): the case row, its history rows and its running clocks."""
        name = self.workflow_of(n)
        direction, kind, initial, path = WORKFLOWS[name]
        span = (self.until - self.start).total_seconds()
        created = self.start + timedelta(seconds=span * (n - self.offset) / (self.total + 1))
        steps = path(n)
        if name == "incoming_mla" and n % 11 == 0:
            steps = []  # the backlog: never acknowledged
        elif name != "incoming_extradition" and n % 7 == 0:
            steps = steps[:len(steps) // 2]  # stuck half-way
        events = [self._event(n, created, "registered", None, None, initial)]
        state, entered = initial, created
        for days, transition, source, target in steps:
            at = entered + timedelta(days=days, minutes=n % 600)
            if at >= self.until:
                break
            events.append(self._event(n, at, "transition", transition, source, target))
            state, entered = target, at
        clocks = self._clocks(n, name, state, entered)
        offence = OFFENCES[n % len(OFFENCES)]
        title = f"{offence.capitalize()} ring, request {n}"
        prefix = f"{REFERENCE_PREFIXES[kind]}-{DIRECTION_CODES[direction]}"
        counterpart_reference = f"CP-{n}" if direction == "incoming" else ""
        key = (prefix, created.year)
        self.counters[key] = self.counters.get(key, 0) + 1
        case = {
            "id": n, "reference": f"{prefix}-{created.year}-{self.counters[key]:05d}",
            "direction": direction, "kind": kind, "workflow_name": name,
            "workflow_version": self.versions[name], "state": state, "version": len(events),
            "is_closed": state in FINAL, "title": title, "title_search": title.casefold(),
            "summary": "", "legal_basis": LEGAL_BASES[n % len(LEGAL_BASES)],
            "counterpart_country": self.rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0],
            "counterpart_reference": counterpart_reference,
            "counterpart_reference_key": reference_key(counterpart_reference),
            "domestic_reference": "", "is_urgent": n % 13 == 0,
            "urgency_reason": "Person in custody" if n % 13 == 0 else "",
            "assignee_id": self.assignees[n % len(self.assignees)] if n % 5 else None,
            "received_at": created if direction == "incoming" else None,
            "created_at": created, "updated_at": events[-1]["at"],
            "next_due_at": min((c["due_at"] for c in clocks), default=None),
        }
        return case, events, clocks

    @staticmethod
    def _event(n: int, at: datetime, kind: str, transition: str | None, source: str | None,
               target: str) -> dict[str, Any]:
        return {"case_id": n, "at": at, "kind": kind, "transition": transition,
                "from_state": source, "to_state": target, "actor_label": "bench",
                "comment": "", "data": {}, "is_internal": False}

    @staticmethod
    def _clocks(n: int, name: str, state: str, entered: datetime) -> list[dict[str, Any]]:
        clock = CLOCKS.get((name, state))
        if clock is None:
            return []
        rule, days, custody = clock
        due = entered + timedelta(days=days)
        return [{"case_id": n, "rule_code": rule, "status": "running", "is_custody": custody,
                 "country_code": HOME, "zone_name": "UTC", "holiday_calendar": "",
                 "is_business": False, "started_at": entered, "start_on": entered.date(),
                 "period_days": days, "due_at": due,
                 "next_reminder_at": due - timedelta(days=3), "created_at": entered}]


def workflow_versions() -> dict[str, str]:
    """The current version of each generated workflow, stored as a registration stores
    it (needs an app context and a unit of work)."""
    from mla.workflow.registry import current, remember_version

    versions = {}
    for name in WORKFLOWS:
        workflow = current(name)
        remember_version(workflow)
        versions[name] = workflow.version
    return versions


def insert_requests(generator: Generator, first: int, last: int, batch: int = 5000,
                    progress: bool = False) -> float:
    """Insert requests ``first``..``last`` with their histories and clocks, in batches;
    the reference counters and id sequences follow. Seconds taken."""
    from mla.cases.models import Case, CaseEvent, ReferenceCounter
    from mla.deadlines.models import Deadline
    from mla.extensions import db

    write = _copy if db.engine.dialect.name == "postgresql" else _insert
    started = time.perf_counter()
    existing = {(p, y): v for p, y, v in db.session.execute(
        select(ReferenceCounter.prefix, ReferenceCounter.year, ReferenceCounter.value))}
    for key, value in existing.items():
        generator.counters[key] = max(generator.counters.get(key, 0), value)
    for chunk_start in range(first, last + 1, batch):
        cases: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        clocks: list[dict[str, Any]] = []
        for n in range(chunk_start, min(last, chunk_start + batch - 1) + 1):
            case, history, running = generator.request(n)
            cases.append(case)
            events += history
            clocks += running
        for model, rows in ((Case, cases), (CaseEvent, events), (Deadline, clocks)):
            if rows:
                write(model.__table__, rows)
        db.session.commit()
        if progress and (chunk_start // batch) % 20 == 0:
            print(f"  ... {chunk_start + len(cases) - 1} requests "
                  f"({time.perf_counter() - started:.0f} s)", flush=True)
    for (prefix, year), value in generator.counters.items():
        if (prefix, year) in existing:
            db.session.execute(ReferenceCounter.__table__.update().where(
                ReferenceCounter.prefix == prefix, ReferenceCounter.year == year
            ).values(value=value))
        else:
            db.session.execute(insert(ReferenceCounter).values(prefix=prefix, year=year,
                                                               value=value))
    if db.engine.dialect.name == "postgresql":
        # Ids were given: the sequence must continue after them for the next registration.
        db.session.execute(text(
            "SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))"))
    db.session.commit()
    return time.perf_counter() - started


def load_requests(start: datetime, until: datetime, rows: int, assignees: list[int]) -> None:
    """Requests 1 to ``rows`` registered between ``start`` and ``until`` into a new
    database (`new_database`), its secondary indexes set aside for the load. Needs an
    app context."""
    from mla.core.transaction import unit_of_work

    with unit_of_work():
        versions = workflow_versions()
    generator = Generator(start=start, until=until, total=rows, versions=versions,
                          assignees=assignees)
    with indexes_set_aside():
        insert_requests(generator, 1, rows)


def _insert(table: Table, rows: list[dict[str, Any]]) -> None:
    from mla.extensions import db

    db.session.execute(insert(table), rows)


def _copy(table: Table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL's COPY in the session's transaction: several times faster than an
    INSERT per row. Values go through the columns' own bind processing (sealed text is
    sealed, JSON serialised) and the columns' Python-side defaults fill what a row omits,
    as an ORM insert would."""
    from mla.extensions import db

    dialect = db.engine.dialect
    given = list(rows[0])
    defaults = {}
    for column in table.columns:
        if column.name in rows[0] or column.default is None:
            continue
        assert column.default.is_scalar, f"{table.name}.{column.name}: give it a value"
        defaults[column.name] = column.default.arg  # type: ignore[attr-defined]
    names = given + list(defaults)
    processors = []
    for name in names:
        column = table.columns[name]
        if isinstance(column.type, JSON):
            processors.append(json.dumps)
        else:
            processors.append(column.type.dialect_impl(dialect).bind_processor(dialect)
                              or (lambda value: value))
    # Most texts are empty: each column's empty text is processed (sealed) once, as a
    # million requests would otherwise spend minutes encrypting the same "".
    blank = [_once(process) for process in processors]
    raw = db.session.connection().connection.driver_connection
    columns = ", ".join(f'"{name}"' for name in names)
    with raw.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
            f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            values = [row[name] for name in given] + list(defaults.values())
            copy.write_row([None if v is None else empty() if v == "" else process(v)
                            for process, empty, v in zip(processors, blank, values,
                                                         strict=True)])


def _once(process: Any) -> Any:
    """``process("")``, computed the first time it is asked for."""
    done: list[Any] = []

    def empty() -> Any:
        if not done:
            done.append(process(""))
        return done[0]
    return empty


def bench_app(database_url: str | None, folder: Path) -> Any:
    """The app on ``database_url`` (an SQLite file in ``folder`` when None), its key ring
    in ``folder``: what the in-process benches measure through Flask's test client."""
    from mla import create_app
    from mla.settings import Settings

    settings = Settings.from_env(
        environ={"MLA_SECRET_KEY": "b" * 48, "MLA_HOME_COUNTRY": HOME,
                 "MLA_DATABASE_URL": database_url or f"sqlite:///{folder / 'bench.db'}"},
        instance_path=folder, key_file=folder / "keyring.json", cookie_secure=False,
        testing=True)
    return create_app(settings)


def new_database(app: Any, caseworkers: int = 1) -> list[int]:
    """Wipe the app's database and set it up as an operator would: the tables, the
    reference data, the fictional counterparts, caseworkers ``bench0``, ``bench1``...
    (PASSWORD) and an API token of bench0 in ``app.config["BENCH_TOKEN"]``. Their ids."""
    from mla.auth.services import create_api_token, create_user
    from mla.core.transaction import unit_of_work
    from mla.extensions import db
    from mla.reference.services import ensure_fictional_country, load_reference_data

    with app.app_context():
        db.drop_all()
        db.create_all()
        with unit_of_work():
            load_reference_data()
            for code, name in FICTIONAL:
                ensure_fictional_country(code, name)
            users = [create_user(None, username=f"bench{i}", password=PASSWORD,
                                 role="caseworker") for i in range(caseworkers)]
            _, app.config["BENCH_TOKEN"] = create_api_token(None, users[0], label="bench")
            # Read before the commit: afterwards the ids are expired, and loading them
            # again would open a transaction (on SQLite, the write lock).
            return [user.id for user in users]


def reuse_database(app: Any) -> None:
    """A database an earlier run filled: the tables added since, and a new API token of
    bench0 in ``app.config["BENCH_TOKEN"]``."""
    from mla.auth.services import create_api_token, get_user_by_username
    from mla.core.transaction import unit_of_work
    from mla.extensions import db

    with app.app_context():
        db.create_all()
        with unit_of_work():
            user = get_user_by_username("bench0")
            assert user is not None, "--reuse needs a database a previous run filled"
            _, app.config["BENCH_TOKEN"] = create_api_token(None, user, label="bench")


@contextmanager
def indexes_set_aside() -> Iterator[list[str]]:
    """The secondary indexes of the requests, their history and their clocks dropped
    for a bulk load and built again after it (as a restore does: much faster than
    maintaining every index, the trigram ones above all, row by row). Indexes that back
    a constraint stay. Yields their names. Needs an app context."""
    from mla.extensions import db

    if db.engine.dialect.name == "postgresql":
        listing = """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema()
              AND i.tablename IN ('cases', 'case_events', 'deadlines')
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"""
    else:
        listing = """
            SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
              AND tbl_name IN ('cases', 'case_events', 'deadlines')"""
    db.session.commit()
    indexes = [tuple(row) for row in db.session.execute(text(listing))]
    for name, _definition in indexes:
        db.session.execute(text(f'DROP INDEX "{name}"'))
    db.session.commit()
    try:
        yield [name for name, _definition in indexes]
    finally:
        db.session.rollback()
        for _name, definition in indexes:
            db.session.execute(text(definition))
        db.session.commit()


def rebuild_summary() -> int:
    """The reports' summary of the history (report_stays) computed from the loaded
    history, as `flask reports rebuild` does: the hook that keeps it follows rows added
    through the ORM, not a bulk insert. Its rows."""
    from mla.core.transaction import unit_of_work
    from mla.reports.summary import rebuild_stays

    with unit_of_work():
        return rebuild_stays()


def analyze(*, sqlite: bool = False) -> None:
    """What autovacuum does soon after a bulk load: without statistics the planner
    guesses, and the figures would measure the guess; without the visibility map
    (VACUUM) no count is an index-only scan, and every exact total reads the heap (the
    reports' indexes are read index-only). SQLite has no autovacuum: ANALYZE there only
    with ``sqlite``."""
    from mla.extensions import db

    with db.engine.connect() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT") \
                .exec_driver_sql("VACUUM ANALYZE")
        elif sqlite:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


def login_token(page: str) -> str:
    """The CSRF token of a page's form."""
    return page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]


def sign_in(client: Any, username: str = "bench0", password: str = PASSWORD) -> None:
    """Sign ``client`` (Flask's test client) in through the login form."""
    token = login_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": token})
    assert response.status_code == 302, (username, response.status_code)
