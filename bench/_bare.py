"""The reference for `bench web`: a bare Flask route (short text, no database, no
session), served by the same gunicorn as the app: `gunicorn bench._bare:app`."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    return "Hello, World!"
