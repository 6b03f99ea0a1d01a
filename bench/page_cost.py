"""The in-process cost of the read pages: ms and SQL statements per request.

`.venv/bin/python -m bench.page_cost --database-url URL --instance-dir DIR
[--repeat 200] [--profile PAGE]`

Runs on a database `bench.list_page` filled (same URL and instance directory, its
key ring); adds the demo accounts, stories and a few hundred requests moved through
the real workflows (deadlines, custody, history) the first time. Then, signed in as
the demo caseworker through Flask's test client, requests each page ``--repeat``
times and prints the median milliseconds, this process's CPU milliseconds (steadier on
a busy machine; the database's share is not in it) and the statements per request,
next to a bare route of the same app (a view that renders nothing and reads
nothing). ``--profile NAME`` prints a cProfile of that page instead (sorted by
cumulative time). What a worker under load spends is in bench.web; this is the cost
of one request with nothing else running.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import event, select

from bench.list_page import build

PAGES = {
    "bare": "/_bench/bare",
    "health": "/api/v1/health",
    "list": "/requests/",
    "request": "{reference}",
    "dashboard": "/",
    "custody": "/custody",
    "api_list": "/api/v1/cases?per_page=50",
}


def prepare(app: Flask) -> tuple[str, str]:
    """The demo data on top of the bulk rows (once); the token and a request page."""
    from mla.auth.models import User
    from mla.auth.services import create_api_token
    from mla.cases.models import Case
    from mla.core.transaction import unit_of_work
    from mla.demo.history import generate_history
    from mla.demo.services import load_demo, read_demo_logins
    from mla.extensions import db

    with app.app_context():
        if db.session.scalar(select(User).where(User.username == "caseworker")) is None:
            with unit_of_work():
                load_demo()
            for batch in range(3):
                with unit_of_work():
                    generate_history(100, seed=batch + 1)
        password = next(login.password for login in read_demo_logins()
                        if login.username == "caseworker")
        with unit_of_work():
            user = db.session.scalars(select(User).where(User.username == "caseworker")).one()
            _, token = create_api_token(None, user, label="page cost")
        # The richest request: custody, deadlines, history (the demo's arrest story).
        reference = db.session.scalars(
            select(Case.reference).where(Case.kind == "extradition", Case.persons.any())
            .order_by(Case.id)).first()
        app.config["PAGE_COST_TOKEN"] = token
        return password, f"/requests/{reference}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--instance-dir", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--profile", choices=sorted(PAGES))
    parser.add_argument("--profile-out", type=Path, help="also save the profile here (pstats)")
    parser.add_argument("--only", action="append", choices=sorted(PAGES))
    parser.add_argument("--calls", action="store_true",
                        help="also count Python function calls per request (cProfile, 10 "
                             "requests): unlike time, the same on a busy machine")
    parser.add_argument("--sql", action="store_true",
                        help="print each page's statements (its last request)")
    args = parser.parse_args()

    from mla.core.access import public
    from mla.extensions import csrf, db

    app = build(0, args.database_url, args.instance_dir, reuse=True)

    @app.route("/_bench/bare")
    @csrf.exempt
    @public
    def bare() -> str:
        return "ok"

    password, request_page = prepare(app)
    pages = {name: url.format(reference=request_page) for name, url in PAGES.items()}
    api = {"Authorization": f"Bearer {app.config['PAGE_COST_TOKEN']}"}
    client = app.test_client()
    with app.app_context():
        page = client.get("/login").get_data(as_text=True)
        csrf_token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
        response = client.post("/login", data={"username": "caseworker", "password": password,
                                               "csrf_token": csrf_token})
        assert response.status_code == 302, response.status_code
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *rest: statements.append(statement))

        def get(url: str) -> None:
            response = client.get(url, headers=api if url.startswith("/api/") else {})
            assert response.status_code == 200, (url, response.status_code)

        if args.profile:
            url = pages[args.profile]
            for _ in range(5):
                get(url)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.repeat):
                get(url)
            profiler.disable()
            stats = pstats.Stats(profiler)
            if args.profile_out:
                stats.dump_stats(args.profile_out)
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(30)
            return
        print(f"{'page':<10} {'url':<36} {'SQL':>4} {'median ms':>10} {'CPU ms':>7}"
              + (f" {'calls':>8}" if args.calls else ""))
        for name, url in pages.items():
            if args.only and name not in args.only:
                continue
            for _ in range(5):
                get(url)
            timings = []
            cpu = time.process_time()
            for _ in range(args.repeat):
                statements.clear()
                started = time.perf_counter()
                get(url)
                timings.append((time.perf_counter() - started) * 1000)
            cpu_ms = (time.process_time() - cpu) * 1000 / args.repeat
            count, shown = len(statements), list(statements)
            calls = ""
            if args.calls:
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(10):
                    get(url)
                profiler.disable()
                calls = f" {pstats.Stats(profiler).total_calls // 10:>8}"  # type: ignore[attr-defined]
            print(f"{name:<10} {url[:36]:<36} {count:>4} "
                  f"{statistics.median(timings):>10.2f} {cpu_ms:>7.2f}{calls}")
            if args.sql:
                for statement in shown:
                    print("    " + " ".join(statement.split())[:300])


if __name__ == "__main__":
    main()
