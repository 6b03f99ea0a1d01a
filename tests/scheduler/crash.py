"""`flask --app wsgi scheduler run ...` that kills itself with SIGKILL at a chosen point.

    python -m tests.scheduler.crash POINT [options of `scheduler run`]

POINT is where the process dies, for the first time the dispatcher gets there:

- ``claimed``: the first claim is committed; nothing of it delivered.
- ``in_app``: the first batch's in-app notifications are written and marked sent; its
  e-mails are still claimed.
- ``email:N``: the N-th e-mail has been accepted by the SMTP server and marked sent.
- ``none``: never (an ordinary `scheduler run`).

The kill is the real thing (no finally block, no atexit, the kernel closes the
sockets); only its moment is chosen, so the test is the same on an idle and a busy
machine. Not chosen: the instant between the SMTP server's "250 accepted" and the
"sent" mark, where a crash sends that one e-mail again (mla/notifications/dispatcher.py,
SentMarker, keeps that window as short as it can).
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from mla.notifications import dispatcher


def _die() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def arm(point: str) -> None:
    if point == "none":
        return
    if point == "claimed":
        claim = dispatcher.claim

        def claim_then_die(*args: Any, **kwargs: Any) -> tuple[str, list[int]]:
            token, ids = claim(*args, **kwargs)
            if ids:
                _die()
            return token, ids

        dispatcher.claim = claim_then_die
        return
    if point == "in_app":
        deliver_in_app = dispatcher.deliver_in_app

        def deliver_then_die(*args: Any, **kwargs: Any) -> int:
            deliver_in_app(*args, **kwargs)
            _die()
            raise AssertionError("unreachable")

        dispatcher.deliver_in_app = deliver_then_die
        return
    if point.startswith("email:"):
        limit = int(point.split(":", 1)[1])
        mark = dispatcher.SentMarker.mark
        marked = 0

        def mark_then_maybe_die(self: Any, *args: Any, **kwargs: Any) -> None:
            nonlocal marked
            mark(self, *args, **kwargs)
            marked += 1
            if marked >= limit:
                _die()

        dispatcher.SentMarker.mark = mark_then_maybe_die  # type: ignore[method-assign]
        return
    raise SystemExit(f"unknown crash point {point!r}")


def main() -> None:
    point, options = sys.argv[1], sys.argv[2:]
    arm(point)
    from flask.cli import main as flask

    sys.argv = ["flask", "--app", "wsgi", "scheduler", "run", *options]
    flask()


if __name__ == "__main__":
    main()
