"""Time the report pages on a large history: `.venv/bin/python -m bench reports` or
`.venv/bin/python -m bench.reports [--rows 100000] [--database-url URL]`.

Builds a throwaway database (an SQLite file in a temp directory by default), bulk-inserts
ROWS requests registered over three years (2023 to 2025) with bench/_data.py, the
benches' shared generator: the real workflows (incoming and outgoing MLA, incoming
extradition), each request's history rows (registration, steps, a wait for information,
closing for most) and running clocks; rebuilds the reports' summary of that history and
gives the planner its statistics (ANALYZE), then prints per URL the SQL statement count,
the median and 95th-percentile time, and the ratio to the request list's first page
measured in the same run.

Report figures are kept ready (mla/reports/ready.py): for each URL the stored figures are
deleted first, so its first request computes them ("computed in", the cold time a reader
waits when nobody read that view within the max age and the scheduler had not refreshed
it); the timed requests after it are served from the stored figures, as readers are.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event

from bench._data import (
    analyze,
    bench_app,
    load_requests,
    new_database,
    rebuild_summary,
    reuse_database,
    sign_in,
)

YEAR = "from=2025-01-01&to=2025-12-31"
URLS = (
    "/requests/",
    f"/reports/?{YEAR}",
    f"/reports/?{YEAR}&direction=outgoing&counterpart_country=FR",
    f"/api/v1/reports/workload?{YEAR}",
    f"/api/v1/reports/time?{YEAR}",
    f"/api/v1/reports/counterparts?{YEAR}",
    f"/reports/workload/oldest.csv?{YEAR}",
    "/reports/review?year=2025",
    "/requests/export.csv",  # every request (streamed: bench.export shows its memory)
)
LIST_PAGE = "/requests/"
START = datetime(2023, 1, 1, 9, 0, tzinfo=UTC)


def build(rows: int, database_url: str | None, tmp: Path, *, reuse: bool = False):
    from mla.extensions import db
    from mla.reports.summary import Stay

    app = bench_app(database_url, tmp)
    if reuse:  # loaded by an earlier run with --keep: only the tables added since
        reuse_database(app)
    else:
        assignees = new_database(app)
    with app.app_context():
        if not reuse:
            started = time.perf_counter()
            load_requests(START, START + timedelta(days=3 * 365), rows, assignees)
            print(f"{rows} requests with their history inserted in "
                  f"{time.perf_counter() - started:.1f} s "
                  f"({db.engine.url.drivername})", flush=True)
        elif db.session.query(Stay).first() is not None:
            return app  # the summary was built by the run that loaded the data
        started = time.perf_counter()
        stays = rebuild_summary()
        analyze(sqlite=True)
        print(f"report summary rebuilt ({stays} stays) in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
    return app


def measure(app, repeat: int) -> None:
    from sqlalchemy import delete

    from mla.extensions import db
    from mla.reports.ready import ReportFigures

    client = app.test_client()
    with app.app_context():
        sign_in(client)
        api = {"Authorization": f"Bearer {app.config['BENCH_TOKEN']}"}
        statements: list[str] = []

        def count(conn, cursor, statement, *args) -> None:
            statements.append(statement)

        cold: dict[str, float] = {}

        def timings(url: str) -> list[float]:
            headers = api if url.startswith("/api/") else {}
            with db.engine.begin() as conn:  # the figures computed by this first request
                conn.execute(delete(ReportFigures))
            began = time.perf_counter()
            warm = client.get(url, headers=headers)
            assert warm.status_code == 200, url
            warm.get_data()
            warm.close()
            cold[url] = (time.perf_counter() - began) * 1000
            taken = []
            for _ in range(repeat):
                statements.clear()
                began = time.perf_counter()
                answer = client.get(url, headers=headers)
                answer.get_data()  # a streamed body is read, not only its first chunk
                answer.close()
                taken.append((time.perf_counter() - began) * 1000)
                assert answer.status_code == 200, (url, answer.status_code)
            return sorted(taken)

        event.listen(db.engine, "before_cursor_execute", count)
        print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
              f"on {os.cpu_count()} cores")
        print(f"{'URL':<62} {'SQL':>4} {'computed in':>11} {'median ms':>10} {'p95 ms':>8} "
              f"{'x list':>7}")
        for url in URLS:
            # The list page again next to each: on a loaded machine the ratio of two
            # medians taken moments apart is steadier than either.
            base = statistics.median(timings(LIST_PAGE))
            taken = timings(url)
            p95 = taken[min(len(taken) - 1, round(0.95 * (len(taken) - 1)))]
            median = statistics.median(taken)
            computed = f"{cold[url]:.1f}" if url.startswith(("/reports", "/api/v1/reports")) \
                else "-"
            print(f"{url[:62]:<62} {len(statements):>4} {computed:>11} {median:>10.1f} "
                  f"{p95:>8.1f} {median / base:>7.1f}")
        event.remove(db.engine, "before_cursor_execute", count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", help="an EMPTY database to use (it is wiped)")
    parser.add_argument("--keep", metavar="DIR",
                        help="keep the instance folder (key ring, SQLite file) in DIR")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the data an earlier run left with --keep DIR")
    parser.add_argument("--load-only", action="store_true", help="load, do not measure")
    args = parser.parse_args()
    if args.reuse and not args.keep:
        parser.error("--reuse needs --keep DIR")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        app = build(args.rows, args.database_url, folder, reuse=args.reuse)
        if not args.load_only:
            measure(app, args.repeat)


if __name__ == "__main__":
    main()
