"""The references for `bench web`, served by the same gunicorn as the app:
`gunicorn bench._bare:app`.

- ``GET /``: a bare Flask route (short text, no database, no session), the pages' yardstick;
- ``POST /tpcb``: pgbench's TPC-B transaction (its five statements, the same random
  choices) through this Flask route, SQLAlchemy Core and psycopg, on the database
  ``pgbench -i`` filled (BENCH_TPCB_URL, scale BENCH_TPCB_SCALE). It is the floor of any
  write through this stack: what the web server, the WSGI framework and the database
  driver cost a transaction that does no more than TPC-B's, measured in the same run as
  pgbench itself (which has none of them) and as the app's transitions.
"""

from __future__ import annotations

import os
import random
from functools import cache

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import Engine, create_engine, text

app = Flask(__name__)

# pgbench's built-in "tpcb-like" script (pgbench --help; the PostgreSQL manual, pgbench).
TPCB = (
    "UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid",
    "SELECT abalance FROM pgbench_accounts WHERE aid = :aid",
    "UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid",
    "UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid",
    "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) "
    "VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP)",
)


@cache
def _engine() -> Engine:
    return create_engine(os.environ["BENCH_TPCB_URL"], pool_size=1, max_overflow=0)


@app.route("/")
def hello() -> str:
    return "Hello, World!"


@app.route("/tpcb", methods=["POST"])
def tpcb() -> ResponseReturnValue:
    scale = int(os.environ.get("BENCH_TPCB_SCALE", "1"))
    values = {"aid": random.randint(1, 100_000 * scale), "bid": random.randint(1, scale),
              "tid": random.randint(1, 10 * scale), "delta": random.randint(-5000, 5000)}
    with _engine().begin() as conn:
        for statement in TPCB:
            result = conn.execute(text(statement), values)
            if statement.startswith("SELECT"):
                result.scalar_one()  # pgbench reads the balance too
    return jsonify(done=True), 200
