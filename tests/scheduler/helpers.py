"""Start `flask --app wsgi scheduler run` as a real process against the test database."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from mla.core import clock
from mla.deadlines.models import Deadline

ROOT = Path(__file__).resolve().parents[2]


def scheduler_env(app: Any, smtp_port: int | None = None) -> dict[str, str]:
    settings = app.extensions["mla.settings"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLA_")}
    env.update({
        "MLA_DATABASE_URL": settings.database_url, "MLA_SECRET_KEY": "t" * 48,
        "MLA_HOME_COUNTRY": settings.home_country, "MLA_KEY_FILE": str(settings.key_file),
        "MLA_MODE": "production", "PYTHONUNBUFFERED": "1",
    })
    if smtp_port:
        env.update({"MLA_SMTP_HOST": "127.0.0.1", "MLA_SMTP_PORT": str(smtp_port),
                    "MLA_SMTP_SENDER": "ca@example.org"})
    return env


def start_scheduler(env: dict[str, str], log: Path, *options: str,
                    crash_at: str = "none") -> subprocess.Popen[bytes]:
    """`scheduler run OPTIONS` as a child process writing to ``log``, killing itself
    with SIGKILL at ``crash_at`` (see tests/scheduler/crash.py)."""
    with log.open("ab") as handle:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "tests.scheduler.crash", crash_at, *options],
            cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)


def start_scheduler_piped(env: dict[str, str], *options: str) -> subprocess.Popen[bytes]:
    """`scheduler run OPTIONS` with its output on an unbuffered pipe (see LineReader)."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.scheduler.crash", "none", *options],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=0)


# Only turns a hung child into a failure; nothing here waits for a deadline to pass.
HANG_GUARD_SECONDS = 300.0


class LineReader:
    """Waits for what a child process says, line by line, as it says it."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        self.process, self.stream = process, process.stdout
        self.lines: list[str] = []

    def wait_for(self, *needles: str) -> str:
        """Reads until a line contains one of ``needles``; returns that needle."""
        while True:
            ready, _, _ = select.select([self.stream], [], [], HANG_GUARD_SECONDS)
            if not ready:
                raise AssertionError(f"silent for {HANG_GUARD_SECONDS:.0f} s (hung?) while "
                                     f"waiting for {needles}: {self.lines[-20:]}")
            line = self._readline()
            if not line:
                raise AssertionError(f"exited with {self.process.wait()} before saying any "
                                     f"of {needles}: {self.lines[-20:]}")
            self.lines.append(line)
            for needle in needles:
                if needle in line:
                    return needle

    def _readline(self) -> str:
        data = bytearray()
        while not data.endswith(b"\n"):
            byte = self.stream.read(1)  # unbuffered: select() sees everything not read
            if not byte:
                break
            data += byte
        return data.decode(errors="replace")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL and reap (a no-op for a process that already exited)."""
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait()
    if process.stdout is not None:
        process.stdout.close()


def _zone_in_daytime() -> ZoneInfo:
    """A fixed-offset zone where it is now between 09:00 and 20:00."""
    real = clock.real_now()
    for hours in range(-12, 15):
        # POSIX sign convention: Etc/GMT-3 is UTC+3.
        name = f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}" if hours else "UTC"
        zone = ZoneInfo(name)
        if 9 <= real.astimezone(zone).hour < 20:
            return zone
    raise AssertionError("no zone in daytime")


def insert_due_reminders(db: Any, case_id: int, count: int) -> None:
    """Deadlines whose '1 day before' reminder (today 08:00 local) has just fallen due;
    the next point (tomorrow 08:00) is hours away."""
    zone = _zone_in_daytime()
    real = clock.real_now()
    today = real.astimezone(zone).date()
    due_at = datetime.combine(today + timedelta(days=1), datetime.max.time().replace(
        microsecond=0), tzinfo=zone).astimezone(UTC)
    point = datetime.combine(today, datetime.min.time().replace(hour=8),
                             tzinfo=zone).astimezone(UTC)
    rows = [{
        "case_id": case_id, "rule_code": "eio_acknowledge", "status": "running",
        "is_custody": False, "country_code": "XZ", "zone_name": zone.key,
        "holiday_calendar": "", "is_business": False, "started_at": real - timedelta(days=6),
        "start_on": today - timedelta(days=6), "period_days": 7, "paused_days": 0,
        "extended_days": 0, "extensions": 0, "cycle": 0, "due_at": due_at,
        "next_reminder_at": point, "reminded_through": point - timedelta(seconds=1),
        "created_at": real, "extension_reason": "", "extension_notice": "", "pause_reason": "",
    } for _ in range(count)]
    db.session.execute(insert(Deadline), rows)
    db.session.commit()
