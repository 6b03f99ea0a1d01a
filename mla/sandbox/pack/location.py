"""Where packs are: the shipped ones (or MLA_SCENARIOS_DIR), or a folder given by path."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from flask import has_app_context
from flask_babel import gettext as _

from mla.sandbox.pack.specs import PackError
from mla.settings import current_settings

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"
PACK_FILE = "scenario.toml"
PACK_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")


def scenario_dir() -> Path:
    """MLA_SCENARIOS_DIR when set (mla.settings), else the packs shipped in the package."""
    if has_app_context():
        configured = current_settings().scenarios_dir
        if configured is not None:
            return configured
    return SCENARIO_DIR


def available_packs() -> list[str]:
    directory = scenario_dir()
    if not directory.is_dir():
        return []
    return sorted(p.name for p in directory.iterdir()
                  if p.is_dir() and (p / PACK_FILE).is_file() and PACK_NAME_RE.match(p.name))


def resolve_pack(name_or_path: str) -> Path:
    """A shipped pack's name (``first-week``) or the path of a pack directory."""
    candidate = Path(name_or_path)
    shipped = scenario_dir() / name_or_path
    if PACK_NAME_RE.match(name_or_path) and (shipped / PACK_FILE).is_file():
        return shipped
    if candidate.is_dir() and (candidate / PACK_FILE).is_file():
        return candidate.resolve()
    raise PackError([_("No scenario pack %(name)s: expected a name among %(names)s or a "
                       "directory holding %(file)s.", name=name_or_path,
                       names=", ".join(available_packs()) or "-", file=PACK_FILE)])


def pack_title(name: str) -> str:
    """A shipped pack's title in English as its scenario.toml gives it ('' when unreadable):
    what a trainer chooses by, looked up in the reader's language by the caller."""
    try:
        with (scenario_dir() / name / PACK_FILE).open("rb") as handle:
            title = tomllib.load(handle).get("scenario", {}).get("title", "")
    except (OSError, tomllib.TOMLDecodeError):
        return ""
    return title if isinstance(title, str) else ""
