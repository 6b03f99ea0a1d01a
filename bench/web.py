"""Load-test the app under gunicorn on PostgreSQL: `.venv/bin/python -m bench web` or
`.venv/bin/python -m bench.web [--sizes 100000,1000000] [--rounds 5] [--seconds 5]`.

Needs PostgreSQL (MLA_BENCH_POSTGRES_URL, default the tests' 127.0.0.1:5432), wrk
(`apt-get install -y wrk`) and pgbench (PostgreSQL's client tools). For each size it:

- creates a database of this run (`bench_web_<pid>`), migrates it, bulk-loads the
  requests (bench/_data.py: real workflows, histories, running clocks, custody clocks),
  ANALYZE; a larger size adds requests to the same database;
- starts gunicorn `-w 2` on the app and another on a bare Flask route (bench/_bare.py);
- runs wrk `-t2 -c16` against every page, the bare route and the app's /api/v1/health
  in ROUNDS short rounds (with a signed-in page that shows no request, the floor of
  every page), in a new order each round (and waits after each run for the
  server to finish the requests wrk hung up on), and prints per page the median
  req/s, its ratio to the bare route and to health measured in the same rounds, and p50
  and p99 latency under load (wrk --latency);
- writes: transitions ('acknowledge', with the version the lost-update check wants) and
  registrations through the API at 8 connections, interleaved with pgbench TPC-B
  (`pgbench -i -s 10`, its own database) at 8 clients, and with pgbench's own transaction
  sent through a bare Flask route under the same gunicorn (bench/_bare.py: the floor of
  any write through Flask, SQLAlchemy and psycopg); 409s are counted apart and the
  database is checked afterwards (every accepted step left its history row, every
  accepted registration its request and history); statements per transition and per
  registration, counted in-process as tests/cases/test_write_statement_counts.py does;
- single-request latency: N sequential requests per page, p50 and p95;
- memory: VmRSS of each gunicorn worker after the load.
With --explain, the three slowest pages at the largest size are run in-process and the
EXPLAIN (ANALYZE, BUFFERS) of their slowest statements is printed.

The databases are dropped at the end unless --keep; `--reuse NAME` measures a database
a previous `--keep` run left (its key ring and secret are kept in the temp directory
named after it, which --keep keeps too).
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import json
import os
import random
import re
import secrets
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._data import (
    FICTIONAL,
    PASSWORD,
    Generator,
    analyze,
    indexes_set_aside,
    insert_requests,
    login_token,
    workflow_versions,
)
from bench._data import (
    sign_in as sign_in_test_client,
)
from bench._server import Server, app_environment

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"
ROLES = ("caseworker", "supervisor", "admin", "auditor", "trainee")
BARE, HEALTH = "bare route", "health"
# (name, path or None for the request page's rotation, authenticated by API token)
PAGES = (
    ("list page", "/requests/", False),
    ("request page", None, False),
    ("dashboard", "/", False),
    ("custody board", "/custody", False),
    ("list sort=due", "/requests/?sort=due", False),
    ("list q=fraud", "/requests/?q=fraud", False),
    # The floor of any signed-in page: the layout (navigation, language and account
    # menus, sign-out form) around a one-field form, reading no request. No page that
    # shows requests can cost less than this one.
    ("account page", "/account/language", False),
    ("API cases", "/api/v1/cases?per_page=50", True),
    ("API sort=due", "/api/v1/cases?per_page=50&sort=due", True),
)
INSTALL_WRK = "wrk is missing: install it with `apt-get install -y wrk` (Debian/Ubuntu)."
INSTALL_PGBENCH = "pgbench is missing: it comes with PostgreSQL's client tools " \
                  "(`apt-get install -y postgresql-client`)."
LUA = r"""
local threads, made = {}, 0
function setup(thread)
  made = made + 1
  thread:set("id", made)
  table.insert(threads, thread)
end
function init(args)
  statuses, accepted, i = {}, {}, 0
  wrk.headers["Content-Type"] = "application/json"
  for name, value in pairs(HEADERS) do wrk.headers[name] = value end
end
function request()
  i = i + 1
  if JOBS then
    local mine = JOBS[id]
    local job = mine[(i - 1) % #mine + 1]
    return wrk.format("POST", job[1], nil, job[2])
  end
  return wrk.format(nil, PATHS[(i - 1) % #PATHS + 1])
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if JOBS and (status == 200 or status == 201) then
    table.insert(accepted, string.match(body, '"reference": *"([^"]+)"') or "?")
  end
end
function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do
      io.write(string.format("STATUS %d %d\n", code, n))
    end
    for _, reference in ipairs(thread:get("accepted")) do
      io.write("ACCEPTED " .. reference .. "\n")
    end
  end
end
"""


def lua_string(value: str) -> str:
    return "[==[" + value + "]==]"


def lua_script(path: Path, headers: dict[str, str], paths: list[str] | None = None,
               jobs: list[list[tuple[str, str]]] | None = None) -> Path:
    lines = ["HEADERS = {" + ", ".join(f"[ {lua_string(k)} ] = {lua_string(v)}"
                                       for k, v in headers.items()) + "}"]
    if jobs is not None:
        lines.append("JOBS = {")
        for mine in jobs:
            lines.append("{" + ", ".join(f"{{{lua_string(p)}, {lua_string(b)}}}"
                                         for p, b in mine) + "},")
        lines.append("}")
    else:
        lines.append("PATHS = {" + ", ".join(lua_string(p) for p in paths or ["/"]) + "}")
    path.write_text("\n".join(lines) + LUA, encoding="utf-8")
    return path


@dataclass
class Run:
    """One wrk run: throughput, latency percentiles (ms) and answers by status."""

    rate: float
    p50: float
    p99: float
    statuses: Counter[int] = field(default_factory=Counter)
    accepted: list[str] = field(default_factory=list)  # writes: the references answered
    socket_errors: int = 0  # connect, read, write errors and timeouts (wrk's count)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    assert found, value
    return float(found.group(1)) * _UNITS[found.group(2)]


def wrk(url: str, script: Path, seconds: float, threads: int, connections: int,
        headers: dict[str, str] | None = None) -> Run:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
               "--latency", "--timeout", "30s", "-s", str(script)]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    result = subprocess.run([*command, url], capture_output=True, text=True, check=False,
                            timeout=seconds + 120)
    drain(url)
    out = result.stdout
    # wrk runs without its script when the script does not load: the answers would not
    # be counted, so any complaint on stderr fails the run.
    assert result.returncode == 0 and not result.stderr.strip(), \
        f"wrk failed:\n{out}\n{result.stderr}"
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    assert rate and p50 and p99, out
    statuses: Counter[int] = Counter()
    for code, count in re.findall(r"^STATUS (\d+) (\d+)$", out, re.M):
        statuses[int(code)] += int(count)
    accepted = re.findall(r"^ACCEPTED (\S+)$", out, re.M)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       out)
    with (script.parent / "wrk.log").open("a", encoding="utf-8") as log:  # for a post-mortem
        log.write(f"$ {' '.join(command)} {url}\n{out}\n")
    return Run(float(rate.group(1)), _ms(p50.group(1)), _ms(p99.group(1)), statuses, accepted,
               sum(int(n) for n in errors.groups()) if errors else 0)


def drain(url: str) -> None:
    """Wait until the server has finished what wrk left it. wrk hangs up on the requests
    in flight when its time is up, but a sync worker only notices when it answers: up to
    one request per connection is still queued, and without this wait it would eat the
    next target's seconds. Two requests in a row, one per worker, each queued behind
    what is left (the listen queue is served in order)."""
    parsed = urllib.parse.urlsplit(url)
    for _ in range(2):
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=600)
        try:
            conn.request("GET", "/")
            conn.getresponse().read()
        finally:
            conn.close()


def warm(url: str, path: str, count: int) -> None:
    """``count`` POSTs to ``path``, one after another: the workers' first requests (a
    database connection each) happen before wrk's seconds start."""
    parsed = urllib.parse.urlsplit(url)
    for _ in range(count):
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=600)
        try:
            conn.request("POST", path, body=b"")
            answer = conn.getresponse()
            answer.read()
            assert answer.status == 200, (path, answer.status)
        finally:
            conn.close()


# --- the database ----------------------------------------------------------------------


def admin(base: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://") + "/postgres",
                         autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


_APPS: dict[tuple[tuple[str, str], ...], Any] = {}


def make_app(env: dict[str, str]):  # type: ignore[no-untyped-def]
    """The app of this environment, made once per run (each create_app costs a few
    hundred milliseconds, more on a loaded machine; the run asks for it a dozen times)."""
    from mla import create_app
    from mla.settings import Settings

    key = tuple(sorted(env.items()))
    if key not in _APPS:
        _APPS[key] = create_app(Settings.from_env(environ=env))
    return _APPS[key]


def migrate(app) -> None:  # type: ignore[no-untyped-def]
    """`flask db upgrade`: a database kept by an earlier run reaches today's schema."""
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, f"flask db upgrade:\n{result.output}"


def prepare(env: dict[str, str]) -> None:
    """Migrate, load the reference data, create a user per role and the fictional
    counterparts: what an operator does once per database."""
    from mla.auth.services import create_user
    from mla.core.transaction import unit_of_work
    from mla.extensions import db
    from mla.reference.services import ensure_fictional_country

    app = make_app(env)
    migrate(app)
    result = app.test_cli_runner().invoke(args=["reference", "load"])
    assert result.exit_code == 0, f"flask reference load:\n{result.output}"
    with app.app_context():
        with unit_of_work():
            for code, name in FICTIONAL:
                ensure_fictional_country(code, name)
            for role in ROLES:
                create_user(None, username=f"bench_{role}", password=PASSWORD, role=role)
        db.session.remove()
        db.engine.dispose()


def load(env: dict[str, str], size: int, until: datetime) -> int:
    """Add requests up to ``size``, spread over the five years before ``until`` (the
    requests there afterwards are returned: more than ``size`` in a reused database); the
    tables' secondary indexes are dropped for the load and built again after it."""
    from sqlalchemy import func, select

    from mla.auth.models import User
    from mla.cases.models import Case
    from mla.core.transaction import unit_of_work
    from mla.extensions import db

    app = make_app(env)
    with app.app_context():
        have = db.session.scalar(select(func.coalesce(func.max(Case.id), 0))) or 0
        if have >= size:
            print(f"{have} requests already there")
            db.session.remove()
            db.engine.dispose()
            return have
        with unit_of_work():
            versions = workflow_versions()
        staff = list(db.session.scalars(select(User.id).where(
            User.role.in_(["caseworker", "supervisor", "trainee"]))))
        generator = Generator(start=until - timedelta(days=5 * 365), until=until,
                              total=size - have, offset=have, versions=versions,
                              assignees=staff, seed=size)
        with indexes_set_aside() as indexes:
            took = insert_requests(generator, have + 1, size, progress=True)
            print(f"{size - have} requests with their history inserted in {took:.0f} s",
                  flush=True)
            started = time.perf_counter()
        analyze()
        print(f"{len(indexes)} indexes built and ANALYZE in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        db.session.remove()
        db.engine.dispose()
    return size


# --- clients ---------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def sign_in(url: str, username: str) -> str:
    """Sign in through the form (CSRF token from the page); the Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    with opener.open(f"{url}/login", timeout=120) as page:
        token = login_token(page.read().decode())
    data = urllib.parse.urlencode({"csrf_token": token, "username": username,
                                   "password": PASSWORD}).encode()
    try:
        opener.open(f"{url}/login", data=data, timeout=120)
    except urllib.error.HTTPError as answer:  # the redirect after signing in
        assert answer.code == 302, answer.code
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def api_token(env: dict[str, str], username: str) -> str:
    from sqlalchemy import select

    from mla.auth.models import User
    from mla.auth.services import create_api_token
    from mla.core.transaction import unit_of_work
    from mla.extensions import db

    app = make_app(env)
    with app.app_context():
        with unit_of_work():
            user = db.session.scalars(select(User).where(User.username == username)).one()
            _, secret = create_api_token(None, user, label="bench web")
        db.session.remove()
        db.engine.dispose()
    return secret


def sequential(url: str, paths: list[str], headers: dict[str, str], count: int) -> list[float]:
    """``count`` requests one after another on one connection; milliseconds, sorted."""
    parsed = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)
    taken = []
    try:
        for n in range(count):
            started = time.perf_counter()
            conn.request("GET", paths[n % len(paths)], headers=headers)
            answer = conn.getresponse()
            answer.read()
            taken.append((time.perf_counter() - started) * 1000)
            assert answer.status == 200, (paths[n % len(paths)], answer.status)
    finally:
        conn.close()
    return sorted(taken)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# --- one size --------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    url: str
    paths: list[str]
    headers: dict[str, str]
    runs: list[Run] = field(default_factory=list)
    single: list[float] = field(default_factory=list)

    def rate(self) -> float:
        return statistics.median(r.rate for r in self.runs) if self.runs else 0.0

    def statuses(self) -> Counter[int]:
        total: Counter[int] = Counter()
        for run in self.runs:
            total.update(run.statuses)
        return total


@dataclass
class Options:
    rounds: int
    seconds: float
    single: int
    threads: int
    connections: int
    writers: int
    pgbench_scale: int


def measure_pages(env: dict[str, str], app_url: str, bare_url: str, work: Path,
                  options: Options) -> list[Target]:
    from sqlalchemy import text

    from mla.extensions import db

    cookie = sign_in(app_url, "bench_caseworker")
    token = api_token(env, "bench_caseworker")
    app = make_app(env)
    with app.app_context():
        references = list(db.session.scalars(text(
            "SELECT reference FROM cases TABLESAMPLE SYSTEM (5) LIMIT 2000")))
        if len(references) < 100:
            references = list(db.session.scalars(text(
                "SELECT reference FROM cases ORDER BY random() LIMIT 2000")))
        db.session.remove()
        db.engine.dispose()
    targets = [Target(BARE, bare_url, ["/"], {}), Target(HEALTH, app_url, ["/api/v1/health"], {})]
    for name, path, by_token in PAGES:
        paths = [path] if path else [f"/requests/{r}" for r in references]
        headers = {"Authorization": f"Bearer {token}"} if by_token else {"Cookie": cookie}
        targets.append(Target(name, app_url, paths, headers))
    for target in targets:  # warm up and check each answers 200
        target.single = sequential(target.url, target.paths, target.headers, 2)
    for round_ in range(options.rounds):
        # A new order each round: no target always follows the same one.
        order = list(targets)
        random.Random(round_).shuffle(order)
        for target in order:
            script = lua_script(work / "get.lua", {}, paths=target.paths)
            target.runs.append(wrk(target.url, script, options.seconds, options.threads,
                                   options.connections, target.headers))
        print(f"  round {round_ + 1}/{options.rounds} done, load average "
              f"{os.getloadavg()[0]:.1f}", flush=True)
    for target in targets:
        target.single = sequential(target.url, target.paths, target.headers, options.single)
    return targets


def print_pages(size: int, targets: list[Target], options: Options) -> None:
    bare = next(t for t in targets if t.name == BARE).rate() or 1.0
    health = next(t for t in targets if t.name == HEALTH).rate() or 1.0
    if options.rounds:
        print(f"\n{size:,} requests: pages under load (wrk -t{options.threads} "
              f"-c{options.connections}, median of rounds)")
    else:
        print(f"\n{size:,} requests: pages one request at a time ({options.single} each), "
              "no load")
    print(f"{'target':<16} {'req/s':>8} {'x bare':>7} {'x health':>8} {'p50 ms':>8} "
          f"{'p99 ms':>8} {'1 p50':>7} {'1 p95':>7}  other than 200")
    for t in targets:
        if not t.runs:  # --rounds 0: one request at a time only
            print(f"{t.name:<16} {'-':>8} {'-':>7} {'-':>8} {'-':>8} {'-':>8} "
                  f"{statistics.median(t.single):>7.1f} {percentile(t.single, 0.95):>7.1f}")
            continue
        p50 = statistics.median(r.p50 for r in t.runs)
        p99 = statistics.median(r.p99 for r in t.runs)
        others: dict[int | str, int] = {
            code: n for code, n in t.statuses().items() if code != 200}
        if errors := sum(r.socket_errors for r in t.runs):
            others["socket errors"] = errors
        print(f"{t.name:<16} {t.rate():>8.1f} {t.rate() / bare:>6.1%} "
              f"{t.rate() / health:>8.1%} {p50:>8.1f} {p99:>8.1f} "
              f"{statistics.median(t.single):>7.1f} {percentile(t.single, 0.95):>7.1f}  "
              f"{others or '-'}")


def statement_counts(env: dict[str, str]) -> tuple[int, int]:
    """Statements of one transition and one registration through the services, counted
    as tests/cases/test_write_statement_counts.py counts them (savepoints and the
    throttled last-seen touches left out)."""
    from sqlalchemy import event, select

    from mla.auth.models import User
    from mla.cases.models import Case
    from mla.cases.services import CaseInput, PersonInput, register_case
    from mla.extensions import db
    from mla.workflow.services import apply_transition

    app = make_app(env)
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        upper = statement.lstrip().upper()
        if not upper.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK",
                                 "UPDATE USER_SESSIONS SET LAST_SEEN_AT",
                                 "UPDATE API_TOKENS SET LAST_USED_AT")):
            statements.append(statement)

    with app.app_context(), app.test_request_context():
        actor = db.session.scalars(select(User).where(User.username == "bench_supervisor")).one()
        data = CaseInput(direction="incoming", kind="mla", counterpart_country="FR",
                         legal_basis="UNTOC", title="Statement count",
                         persons=[PersonInput(role="suspect", full_name="Person Counted")])
        register_case(actor, data)  # the first of this process: caches filled
        db.session.commit()
        event.listen(db.engine, "before_cursor_execute", count)
        register_case(actor, data)
        db.session.flush()
        registration = len(statements)
        db.session.commit()
        event.remove(db.engine, "before_cursor_execute", count)
        case = db.session.scalars(select(Case).where(
            Case.workflow_name == "incoming_mla", Case.state == "received").limit(1)).one()
        db.session.commit()
        db.session.expire_all()
        case = db.session.get(Case, case.id)
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        apply_transition(actor, case, "acknowledge", expected_version=case.version,
                         comment="Counted.")
        db.session.flush()
        transition = len(statements)
        db.session.commit()
        event.remove(db.engine, "before_cursor_execute", count)
        db.session.remove()
        db.engine.dispose()
    return transition, registration


@dataclass
class Writes:
    transitions: list[Run] = field(default_factory=list)
    registrations: list[Run] = field(default_factory=list)
    pgbench: list[float] = field(default_factory=list)
    # pgbench's own transaction through a bare Flask route (bench/_bare.py): the floor.
    tpcb_flask: list[Run] = field(default_factory=list)
    # Completed by the server after wrk stopped waiting: (steps, registrations).
    unanswered: tuple[int, int] = (0, 0)


def _received(env: dict[str, str], count: int) -> list[tuple[str, int]]:
    from sqlalchemy import text

    from mla.extensions import db

    app = make_app(env)
    with app.app_context():
        rows = db.session.execute(text(
            "SELECT reference, version FROM cases WHERE workflow_name = 'incoming_mla' "
            "AND state = 'received' ORDER BY random() LIMIT :n"), {"n": count}).all()
        db.session.remove()
        db.engine.dispose()
    return [(r, v) for r, v in rows]


def pgbench(args: list[str], database: str, base: str) -> str:
    parsed = urllib.parse.urlsplit(base.replace("postgresql+psycopg://", "postgresql://"))
    command = ["pgbench", "-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432),
               "-U", parsed.username or "postgres", *args, database]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=900)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def measure_writes(env: dict[str, str], app_url: str, bare_url: str, work: Path, base: str,
                   pg_db: str, options: Options) -> Writes:
    token = api_token(env, "bench_supervisor")
    headers = {"Authorization": f"Bearer {token}"}
    writes = Writes()
    # Each thread walks its own requests; one job in ten is also on the other thread's
    # list at the same place: two clients race for one step, the loser must get a 409.
    per_round = max(200, int(options.seconds * 400))
    for round_ in range(options.rounds):
        kinds = ["transitions", "registrations", "pgbench", "tpcb"]
        shift = round_ % len(kinds)
        for kind in kinds[shift:] + kinds[:shift]:
            if kind == "pgbench":
                out = pgbench(["-n", "-c", str(options.writers), "-j", str(options.threads),
                               "-T", str(max(1, round(options.seconds)))], pg_db, base)
                tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
                assert tps, out
                writes.pgbench.append(float(tps.group(1)))
                continue
            if kind == "tpcb":
                warm(bare_url, "/tpcb", options.writers)  # each worker's engine connected
                script = lua_script(work / "tpcb.lua", {},
                                    jobs=[[("/tpcb", "")]] * options.threads)
                writes.tpcb_flask.append(wrk(bare_url, script, options.seconds,
                                             options.threads, options.writers))
                continue
            jobs: list[list[tuple[str, str]]] = [[] for _ in range(options.threads)]
            if kind == "transitions":
                cases = _received(env, per_round)
                assert cases, "no incoming request left in 'received' to acknowledge"
                for n, (reference, version) in enumerate(cases):
                    body = json.dumps({"name": "acknowledge", "version": version,
                                       "comment": "Acknowledged under load."})
                    job = (f"/api/v1/cases/{reference}/transitions", body)
                    if n % 10 == 0:
                        for mine in jobs:
                            mine.append(job)
                    else:
                        jobs[n % options.threads].append(job)
                script = lua_script(work / "transitions.lua", headers, jobs=jobs)
                writes.transitions.append(wrk(app_url, script, options.seconds,
                                              options.threads, options.writers))
            else:
                for n in range(per_round):
                    body = json.dumps({"direction": "incoming", "kind": "mla",
                                       "counterpart_country": "FR", "legal_basis": "UNTOC",
                                       "title": f"Registered under load {round_}-{n}"})
                    jobs[n % options.threads].append(("/api/v1/cases", body))
                script = lua_script(work / "registrations.lua", headers, jobs=jobs)
                writes.registrations.append(wrk(app_url, script, options.seconds,
                                                options.threads, options.writers))
    return writes


def check_writes(env: dict[str, str], writes: Writes, last_case: int, last_event: int,
                 cut_off: int) -> list[str]:
    """What the database holds after the writes, against what the clients were told:
    a problem per line (none: nothing lost, nothing doubled). wrk does not wait for
    the answers in flight when its time is up: the server still completes those (at
    most ``cut_off`` of them), so the database may hold that many more than answered."""
    from sqlalchemy import text

    from mla.extensions import db

    stepped = [r for run in writes.transitions for r in run.accepted]
    created = [r for run in writes.registrations for r in run.accepted]
    problems = []
    if len(set(stepped)) != len(stepped):
        problems.append(f"{len(stepped) - len(set(stepped))} requests answered 200 twice "
                        "for one step (a lost update)")
    app = make_app(env)
    with app.app_context():
        steps = dict(db.session.execute(text(
            "SELECT c.reference, count(*) FROM case_events e JOIN cases c ON c.id = e.case_id "
            "WHERE e.id > :e AND e.transition = 'acknowledge' AND c.state = 'under_review' "
            "GROUP BY c.reference"), {"e": last_event}).all())
        stored = dict(db.session.execute(text(
            "SELECT c.reference, count(e.id) FROM cases c LEFT JOIN case_events e "
            "ON e.case_id = c.id AND e.kind = 'registered' WHERE c.id > :c "
            "GROUP BY c.reference"), {"c": last_case}).all())
        db.session.remove()
        db.engine.dispose()
    missing = [r for r in stepped if steps.get(r) != 1]
    if missing:
        problems.append(f"{len(missing)} accepted steps without exactly one history row "
                        f"(e.g. {missing[:3]})")
    if any(n != 1 for n in steps.values()):
        problems.append("a request acknowledged twice")
    if not 0 <= len(steps) - len(set(stepped)) <= cut_off:
        problems.append(f"{len(steps)} requests acknowledged, {len(stepped)} answered 200")
    missing = [r for r in created if stored.get(r) != 1]
    if missing:
        problems.append(f"{len(missing)} accepted registrations not stored with their "
                        f"history (e.g. {missing[:3]})")
    if any(n != 1 for n in stored.values()):
        problems.append("a registration without exactly one 'registered' row")
    if not 0 <= len(stored) - len(created) <= cut_off:
        problems.append(f"{len(stored)} requests stored, {len(created)} answered 201")
    writes.unanswered = (len(steps) - len(set(stepped)), len(stored) - len(created))
    return problems


def print_writes(writes: Writes, counts: tuple[int, int], problems: list[str],
                 options: Options) -> None:
    tps = statistics.median(writes.pgbench)
    print(f"\nwrites at {options.writers} connections (wrk -t{options.threads} "
          f"-c{options.writers}, median of rounds); pgbench TPC-B "
          f"{tps:.0f} TPS (rounds: {', '.join(f'{x:.0f}' for x in writes.pgbench)})")
    print(f"{'target':<16} {'req/s':>8} {'x pgbench':>9} {'p50 ms':>8} {'p99 ms':>8}  answers")
    for name, runs in (("TPC-B via Flask", writes.tpcb_flask),
                       ("transitions", writes.transitions),
                       ("registrations", writes.registrations)):
        rate = statistics.median(r.rate for r in runs)
        answers: Counter[int] = Counter()
        for run in runs:
            answers.update(run.statuses)
        print(f"{name:<16} {rate:>8.1f} {rate / tps:>8.1%} "
              f"{statistics.median(r.p50 for r in runs):>8.1f} "
              f"{statistics.median(r.p99 for r in runs):>8.1f}  {dict(sorted(answers.items()))}")
    print("  TPC-B via Flask: pgbench's five statements through a bare Flask route, "
          "SQLAlchemy Core and psycopg under the same gunicorn (bench/_bare.py): the floor "
          "of any write through this stack")
    print("  409: a stale version, where it belongs: one step in ten is on both wrk threads' "
          "lists, and of two clients racing for it the slower must get one")
    print(f"  completed by the server after wrk stopped waiting (not counted above): "
          f"{writes.unanswered[0]} steps, {writes.unanswered[1]} registrations")
    print(f"statements per transition 'acknowledge' {counts[0]}, per registration "
          f"{counts[1]} (in-process, as tests/cases/test_write_statement_counts.py)")
    print("database after the writes: " + ("; ".join(problems) if problems
                                            else "every accepted step and registration "
                                                 "is there once with its history"))


def memory(server: Server) -> list[int]:
    """VmRSS of each worker, in MiB."""
    sizes = []
    for worker in server.workers():
        status = Path(f"/proc/{worker.pid}/status").read_text()
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        if found:
            sizes.append(int(found.group(1)) // 1024)
    return sizes


def _timed_statements(call, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Run ``call(*args, **kwargs)`` (a test client request): its status, the time it
    took (ms) and, per statement it issued, (milliseconds, SQL, parameters)."""
    from sqlalchemy import event

    from mla.extensions import db

    timed: list[tuple[float, str, Any]] = []
    began: dict[int, float] = {}

    def before(conn, cursor, statement, parameters, context, many) -> None:  # type: ignore[no-untyped-def]
        began[id(cursor)] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, many) -> None:  # type: ignore[no-untyped-def]
        timed.append(((time.perf_counter() - began.pop(id(cursor), 0)) * 1000,
                      statement, parameters))

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    started = time.perf_counter()
    try:
        answer = call(*args, **kwargs)
        took = (time.perf_counter() - started) * 1000
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
    return answer.status_code, took, timed


ROTATION_SAMPLE = 100


def explain(env: dict[str, str], targets: list[Target], pages: int = 3,
            statements: int = 2) -> None:
    """Run the slowest pages (by single-request p95, the target's figure) in-process and
    EXPLAIN (ANALYZE, BUFFERS) their slowest statements, with the parameters they were
    run with. A page measured over many paths (the request page) is explained on the
    slowest of its first ``ROTATION_SAMPLE`` paths: its p95 comes from the few requests
    whose page costs most (an open outgoing request's counterpart line), not the first."""
    from mla.extensions import db

    app = make_app(env)
    client = app.test_client()
    slowest = sorted((t for t in targets if t.name not in {BARE, HEALTH}),
                     key=lambda t: -percentile(t.single, 0.95))[:pages]
    with app.app_context():
        sign_in_test_client(client, "bench_caseworker")
        for target in slowest:
            # The test client's own session, not the cookie of the server's.
            headers = {k: v for k, v in target.headers.items() if k == "Authorization"}
            path = target.paths[0]
            if len(target.paths) > 1:
                client.get(path, headers=headers)  # warm the process, not one request
                path = max(target.paths[:ROTATION_SAMPLE], key=lambda p: _timed_statements(
                    client.get, p, headers=headers)[1])
            client.get(path, headers=headers)  # warm
            status, took, timed = _timed_statements(client.get, path, headers=headers)
            print(f"\n=== {target.name}: {path} ({status}, {took:.1f} ms in-process, "
                  f"{len(timed)} statements, {sum(t for t, _, _ in timed):.1f} ms of them in "
                  "SQL)")
            for ms, statement, parameters in sorted(timed, key=lambda t: -t[0])[:statements]:
                if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                print(f"\n--- {ms:.1f} ms: {' '.join(statement.split())[:600]}")
                print(f"    parameters: {str(parameters)[:300]}")
                with db.engine.connect() as conn:
                    plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement,
                                                parameters).scalars().all()
                    conn.rollback()
                print("\n".join(f"    {line}" for line in plan))
        db.session.remove()
        db.engine.dispose()


# --- the run ---------------------------------------------------------------------------


def check_tools() -> None:
    for tool, message in (("wrk", INSTALL_WRK), ("pgbench", INSTALL_PGBENCH)):
        if shutil.which(tool) is None:
            raise SystemExit(message)  # the message on stderr, exit status 1


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"


@dataclass
class SizeResult:
    size: int
    targets: list[Target]
    writes: Writes | None
    problems: list[str]
    rss: tuple[list[int], list[int]]  # MiB per worker: app, bare


def run(args: argparse.Namespace) -> list[SizeResult]:
    """Everything the module doc says, printed as it goes; the figures per size."""
    check_tools()
    base = args.postgres_url.rstrip("/")
    name = args.reuse or args.name or f"bench_web_{os.getpid()}"
    pg_db = f"{name}_pgbench"
    home = Path(tempfile.gettempdir()) / name
    print(f"load average at start: {load_average()}", flush=True)
    if args.reuse:
        assert (home / "keyring.json").exists(), f"--reuse: nothing kept in {home}"
    else:
        from mla.core.crypto import KeyRing

        home.mkdir()
        (home / "keyring.json").write_text(KeyRing.generate("production").to_json())
        (home / "secret").write_text(secrets.token_urlsafe(48))
        admin(base, f'CREATE DATABASE "{name}"', f'CREATE DATABASE "{pg_db}"')
    env = app_environment(
        MLA_DATABASE_URL=f"{base}/{name}", MLA_SECRET_KEY=(home / "secret").read_text(),
        MLA_KEY_RING=(home / "keyring.json").read_text(), MLA_HOME_COUNTRY="XZ",
        MLA_COOKIE_SECURE="0", MLA_INSTANCE_PATH=str(home / "instance"),
        MLA_SIGN_IN_LIMITS="0", MLA_REQUIRE_2FA_ROLES="none")
    options = Options(rounds=args.rounds, seconds=args.seconds, single=args.single,
                      threads=2, connections=args.connections, writers=args.writers,
                      pgbench_scale=args.pgbench_scale)
    results = []
    try:
        if args.reuse:
            migrate(make_app(env))
        else:
            prepare(env)
            started = time.perf_counter()
            pgbench(["-i", "-q", "-s", str(options.pgbench_scale)], pg_db, base)
            print(f"pgbench -i -s {options.pgbench_scale}: "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
        until = datetime.now(UTC)
        sizes = [int(s) for s in args.sizes.split(",")]
        for wanted in sizes:
            size = load(env, wanted, until)
            if args.load_only:
                continue
            writes_too = args.writes and options.rounds > 0
            targets, writes, counts, problems, rss = measure_size(env, home, base, pg_db,
                                                                  options, writes_too)
            results.append(SizeResult(size, targets, writes, problems, rss))
            print_pages(size, targets, options)
            if writes is not None:
                print_writes(writes, counts, problems, options)
            print(f"\nmemory after the load (VmRSS per gunicorn worker): app "
                  f"{', '.join(f'{m} MiB' for m in rss[0])}; bare "
                  f"{', '.join(f'{m} MiB' for m in rss[1])}")
            print(f"load average: {load_average()}", flush=True)
            if args.explain and wanted == sizes[-1]:
                explain(env, targets)
    finally:
        _APPS.clear()  # their engines name this run's database
        if not (args.keep or args.reuse):
            admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                  f'DROP DATABASE IF EXISTS "{pg_db}" WITH (FORCE)')
            shutil.rmtree(home, ignore_errors=True)
        else:
            print(f"kept: databases {name} and {pg_db}, key ring in {home}; "
                  f"again with --reuse {name}")
    print(f"load average at end: {load_average()}")
    return results


def measure_size(env: dict[str, str], home: Path, base: str, pg_db: str, options: Options,
                 with_writes: bool):  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from mla.extensions import db

    work = home / "run"
    work.mkdir(exist_ok=True)
    (home / "instance").mkdir(exist_ok=True)
    app_server = Server(env, work, "app")
    bare_server = Server(app_environment(BENCH_TPCB_URL=f"{base}/{pg_db}",
                                         BENCH_TPCB_SCALE=str(options.pgbench_scale)),
                         work, "bare", app="bench._bare:app")
    try:
        app_url = app_server.wait_until_listening()
        bare_url = bare_server.wait_until_listening()
        targets = measure_pages(env, app_url, bare_url, work, options)
        writes, counts, problems = None, (0, 0), []
        if with_writes:
            counts = statement_counts(env)
            app = make_app(env)
            with app.app_context():
                last_case = db.session.scalar(text("SELECT coalesce(max(id), 0) FROM cases"))
                last_event = db.session.scalar(text(
                    "SELECT coalesce(max(id), 0) FROM case_events"))
                db.session.remove()
                db.engine.dispose()
            writes = measure_writes(env, app_url, bare_url, work, base, pg_db, options)
            problems = check_writes(env, writes, last_case or 0, last_event or 0,
                                    cut_off=options.writers * options.rounds)
        rss = (memory(app_server), memory(bare_server))
    finally:
        app_server.stop()
        bare_server.stop()
    return targets, writes, counts, problems, rss


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000",
                        help="comma-separated request counts, e.g. 100000,1000000")
    parser.add_argument("--rounds", type=int, default=5,
                        help="0: no load, only the requests one at a time (--single)")
    parser.add_argument("--seconds", type=float, default=5.0, help="per target and round")
    parser.add_argument("--single", type=int, default=50,
                        help="sequential requests per page for single-request latency")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--pgbench-scale", type=int, default=10)
    parser.add_argument("--no-writes", dest="writes", action="store_false")
    parser.add_argument("--explain", action="store_true",
                        help="EXPLAIN the slowest statements of the three slowest pages")
    parser.add_argument("--load-only", action="store_true",
                        help="load the sizes and stop (with --keep: measure later with --reuse)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the databases (and key ring) for --reuse")
    parser.add_argument("--reuse", metavar="NAME",
                        help="measure the database NAME a --keep run left (sizes it already "
                             "reaches are not loaded again)")
    parser.add_argument("--postgres-url", default=os.environ.get("MLA_BENCH_POSTGRES_URL",
                                                                 DEFAULT_POSTGRES))
    parser.add_argument("--name", help="the database's name (default bench_web_<pid>)")
    return parser


def main() -> int:
    results = run(parser().parse_args())
    return 1 if any(result.problems for result in results) else 0


if __name__ == "__main__":
    # Only a failure ends the process: `python -m bench` runs the next module after this.
    if code := main():
        raise SystemExit(code)
