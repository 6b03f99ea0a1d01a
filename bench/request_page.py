"""A page's single-request cost on a database already loaded, statement by statement:
`.venv/bin/python -m bench.request_page --database-url URL --key-file KEYRING
[--user bench0] [--sample 200] [--seed 13] [--explain 3] [--path /]`.

For a database `bench reports` or `bench web` left (`--keep`): signs in as USER (the
benches' password), requests the page of SAMPLE requests drawn from the table (each a
different request, so its rows are read cold as a register's would be) or ``--path``
SAMPLE times, in-process through Flask's test client, and prints the p50 and p95
milliseconds, the SQL milliseconds per page, each statement's shape with how often it
ran and its median, p95 and slowest time, and the EXPLAIN (ANALYZE, BUFFERS) of the
slowest run of the EXPLAIN costliest shapes. ``--without NAME`` replaces a template
global by one returning an empty string: what the page would cost without that part
(e.g. ``counterpart_line``). Reading a page records the consultation in the audit log,
as it does for anyone; nothing else is written.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from bench._data import sign_in


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="the loaded database (nothing runs without)")
    parser.add_argument("--key-file", type=Path, help="its key ring (keyring.json)")
    parser.add_argument("--user", default="bench0",
                        help="bench reports: bench0; bench web: bench_caseworker")
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--seed", type=int, default=13,
                        help="which requests (another seed, other rows: cold again)")
    parser.add_argument("--explain", type=int, default=3)
    parser.add_argument("--path", help="this page, SAMPLE times (default: request pages)")
    parser.add_argument("--without", action="append", default=[], metavar="NAME")
    args = parser.parse_args()
    if not (args.database_url and args.key_file):
        print("needs --database-url and --key-file of a database a bench loaded (--keep)")
        return
    with tempfile.TemporaryDirectory(prefix="request_page_") as instance:
        run(args, Path(instance))


def run(args: argparse.Namespace, instance: Path) -> None:
    from mla import create_app
    from mla.extensions import db
    from mla.settings import Settings

    settings = Settings.from_env(
        environ={"MLA_SECRET_KEY": "r" * 48, "MLA_HOME_COUNTRY": "XZ",
                 "MLA_DATABASE_URL": args.database_url},
        instance_path=instance, key_file=args.key_file, cookie_secure=False, testing=True)
    app = create_app(settings)
    for name in args.without:
        app.jinja_env.globals[name] = lambda *a, **k: ""
    client = app.test_client()
    with app.app_context():
        sign_in(client, args.user)
        if args.path:
            paths = [args.path] * args.sample
        else:
            paths = [f"/requests/{r}" for r in db.session.scalars(text(
                "SELECT reference FROM cases TABLESAMPLE SYSTEM (1) REPEATABLE (:seed) "
                "LIMIT :n"), {"seed": args.seed, "n": args.sample})]
            db.session.rollback()
        for path in paths[:3]:
            client.get(path)  # the process warm (templates, caches), not the rows
        pages = measure(client, paths)
        report(pages, args.explain)


Statement = tuple[float, str, Any]


def measure(client: Any, paths: list[str]) -> list[tuple[float, list[Statement]]]:
    from mla.extensions import db

    timed: list[Statement] = []
    began: dict[int, float] = {}

    def before(conn, cursor, statement, parameters, context, many) -> None:  # type: ignore[no-untyped-def]
        began[id(cursor)] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, many) -> None:  # type: ignore[no-untyped-def]
        timed.append(((time.perf_counter() - began.pop(id(cursor), 0)) * 1000,
                      statement, parameters))

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    pages = []
    try:
        for path in paths:
            timed.clear()
            started = time.perf_counter()
            answer = client.get(path)
            took = (time.perf_counter() - started) * 1000
            assert answer.status_code == 200, (path, answer.status_code)
            pages.append((took, list(timed)))
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
    return pages


def report(pages: list[tuple[float, list[Statement]]], explain: int) -> None:
    from mla.extensions import db

    took = [t for t, _ in pages]
    sql = [sum(ms for ms, _, _ in statements) for _, statements in pages]
    counts = [len(statements) for _, statements in pages]
    print(f"{len(pages)} pages: p50 {statistics.median(took):.1f} ms, p95 "
          f"{percentile(took, 0.95):.1f} ms, slowest {max(took):.1f} ms; in SQL p50 "
          f"{statistics.median(sql):.1f} ms, p95 {percentile(sql, 0.95):.1f} ms; "
          f"{min(counts)}-{max(counts)} statements")
    shapes: dict[str, list[Statement]] = defaultdict(list)
    for _, statements in pages:
        for statement in statements:
            shapes[" ".join(statement[1].split())[:200]].append(statement)
    costliest = sorted(shapes.items(), key=lambda kv: -sum(ms for ms, _, _ in kv[1]))
    print(f"{'runs':>5} {'median':>8} {'p95':>8} {'slowest':>8}  statement (ms)")
    for shape, runs in costliest[:12]:
        times = [ms for ms, _, _ in runs]
        print(f"{len(runs):>5} {statistics.median(times):>8.2f} {percentile(times, 0.95):>8.2f} "
              f"{max(times):>8.2f}  {shape[:110]}")
    for _, runs in costliest[:explain]:
        ms, statement, parameters = max(runs, key=lambda run: run[0])
        if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        print(f"\n--- {ms:.1f} ms: {' '.join(statement.split())[:900]}")
        print(f"    parameters: {str(parameters)[:300]}")
        with db.engine.connect() as conn:
            plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement,
                                        parameters).scalars().all()
            conn.rollback()
        print("\n".join(f"    {line}" for line in plan))


if __name__ == "__main__":
    main()
