"""Time a training class in the sandbox:
`.venv/bin/python -m bench.sandbox [--trainees 40] [--pack NAME] [--postgres-url URL]
[--skip-postgres]`.

For each backend (an SQLite file in a temp directory; a throwaway database on the
PostgreSQL server) it times, in a sandbox-mode app:

1. advancing an EMPTY sandbox's clock by one day and running the pass that follows
   (the counterpart, deadlines, reminders, outbox), as `sandbox clock --days 1` does;
2. loading the largest shipped pack (by requests and steps) and a class of TRAINEES
   from a class list (each gets their own copy of the scenario);
3. advancing that class's clock by one day and running the pass;

and prints the times and the ratio of (3) to (1).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_DATABASE = f"comity_bench_sandbox_{os.getpid()}"


def _app(database_url: str, tmp: Path) -> Any:
    from mla import create_app
    from mla.settings import Settings

    settings = Settings.from_env(
        environ={"MLA_SECRET_KEY": "s" * 48, "MLA_HOME_COUNTRY": "XZ",
                 "MLA_DATABASE_URL": database_url},
        instance_path=tmp, key_file=tmp / "keyring.json", cookie_secure=False, testing=True,
        mode="sandbox", sign_in_limits=False)
    return create_app(settings)


def largest_pack() -> str:
    """The shipped pack with the most requests and steps."""
    from mla.sandbox.pack import available_packs, read_pack, resolve_pack

    def size(name: str) -> int:
        pack = read_pack(resolve_pack(name))
        return sum(1 + len(r.steps) for r in pack.requests)

    return max(available_packs(), key=size)


def _advance_one_day(app: Any) -> float:
    from mla.core.actors import COMMAND_LINE
    from mla.core.transaction import unit_of_work
    from mla.extensions import db
    from mla.sandbox.counterpart import run_sandbox_pass
    from mla.sandbox.services import advance_clock

    started = time.perf_counter()
    with unit_of_work():
        advance_clock(COMMAND_LINE, days=1)
    run_sandbox_pass(app)
    elapsed = time.perf_counter() - started
    db.session.remove()
    return elapsed


def measure(label: str, database_url: str, trainees: int, pack: str, tmp: Path) -> float:
    from mla.core.actors import COMMAND_LINE
    from mla.core.transaction import unit_of_work
    from mla.extensions import db
    from mla.reference.services import load_reference_data
    from mla.sandbox.scenario import load_pack
    from mla.sandbox.services import create_class_accounts

    app = _app(database_url, tmp)
    with app.app_context():
        db.drop_all()
        db.create_all()
        with unit_of_work():
            load_reference_data()
        empty = _advance_one_day(app)

        started = time.perf_counter()
        with unit_of_work():
            load_pack(COMMAND_LINE, pack)
        with unit_of_work():
            create_class_accounts(COMMAND_LINE, "username,display_name,role\n" + "\n".join(
                f"trainee{n:02d},Trainee {n:02d}," for n in range(trainees)))
        loaded = time.perf_counter() - started
        db.session.remove()

        class_day = _advance_one_day(app)
        db.engine.dispose()
    ratio = class_day / empty if empty > 0 else float("inf")
    print(f"{label:<11} pack {pack!r}, {trainees} trainees: loading the class {loaded:6.2f} s; "
          f"one day advanced {class_day:6.2f} s (empty sandbox {empty:5.2f} s, "
          f"ratio {ratio:5.1f}x)", flush=True)
    return ratio


def _postgres(base: str, create: bool) -> str:
    import psycopg

    admin = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    return f"{base}/{PG_DATABASE}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--trainees", type=int, default=40)
    parser.add_argument("--pack", default="", help="default: the largest shipped pack")
    parser.add_argument("--postgres-url", default=PG_DEFAULT,
                        help="server URL without a database name")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args(argv)
    pack = args.pack or largest_pack()
    with tempfile.TemporaryDirectory() as raw:
        tmp = Path(raw)
        measure("SQLite", f"sqlite:///{tmp / 'sandbox.db'}", args.trainees, pack, tmp)
        if args.skip_postgres:
            return
        try:
            url = _postgres(args.postgres_url.rstrip("/"), create=True)
        except Exception as exc:  # report and go on
            print(f"PostgreSQL  skipped: {exc}")
            return
        try:
            measure("PostgreSQL", url, args.trainees, pack, tmp)
        finally:
            _postgres(args.postgres_url.rstrip("/"), create=False)


if __name__ == "__main__":
    main()
