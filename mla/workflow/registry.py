"""Where definitions come from: the files in ``workflows/`` and the stored versions.

``workflow_for`` answers which workflow a new request starts under (the file as
it is now) and remembers that version's source in ``workflow_versions``.
``definition_for_case`` answers which rules a request runs under: the version it
started with, read back from that table, whatever the file says today.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from flask import has_app_context, has_request_context, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mla.extensions import db
from mla.settings import current_settings
from mla.workflow.definitions import DefinitionError, Workflow, parse_definition
from mla.workflow.models import WorkflowVersion
from mla.workflow.texts import localized

WORKFLOW_DIR = Path(__file__).resolve().parent.parent / "workflows"
WORKFLOW_NAMES = ("incoming_mla", "outgoing_mla", "incoming_extradition", "outgoing_extradition",
                  "incoming_eaw")
# A legal basis whose procedure is not the kind's usual one gets its own file: the
# European arrest warrant is a judicial surrender procedure (Framework Decision
# 2002/584/JHA), with no executive decision and its own grounds, not extradition.
BY_LEGAL_BASIS = {("incoming", "extradition", "EAW"): "incoming_eaw"}

log = logging.getLogger(__name__)
_lock = threading.Lock()
# Parsed definitions by (name, version); a version's text never changes.
_parsed: dict[tuple[str, str], Workflow] = {}
# Today's file per name, keyed by its path, modification time and size.
_current: dict[str, tuple[tuple[str, int, int], Workflow]] = {}


def workflow_dir() -> Path:
    """MLA_WORKFLOWS_DIR when set (mla.settings), else the definitions shipped in the package."""
    if has_app_context():
        configured = current_settings().workflows_dir
        if configured is not None:
            return configured
    return WORKFLOW_DIR


def workflow_path(name: str) -> Path:
    return workflow_dir() / f"{name}.toml"


def _parse(raw: bytes, source: str) -> Workflow:
    workflow, problems = parse_definition(raw, source=source)
    if workflow is None or problems:
        raise DefinitionError(source, problems)
    with _lock:
        return _parsed.setdefault((workflow.name, workflow.version), workflow)


def current(name: str) -> Workflow:
    """The definition as the file says now (re-read when the file changes), its words
    in the request's language (mla.workflow.texts)."""
    return localized(_current_file(name))


def _current_file(name: str) -> Workflow:
    if name not in WORKFLOW_NAMES:
        raise LookupError(f"unknown workflow {name!r}")
    path = workflow_path(name)
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _lock:
        cached = _current.get(name)
    if cached is not None and cached[0] == key:
        return cached[1]
    workflow = _parse(path.read_bytes(), path.name)
    with _lock:
        _current[name] = (key, workflow)
    return workflow


def current_all() -> list[Workflow]:
    return [current(name) for name in WORKFLOW_NAMES]


def workflow_name_for(direction: str, kind: str, legal_basis: str | None = None) -> str:
    """Which file a request of this direction, kind and legal basis runs under."""
    return BY_LEGAL_BASIS.get((direction, kind, legal_basis or ""), f"{direction}_{kind}")


def workflow_for(direction: str, kind: str, legal_basis: str | None = None) -> Workflow:
    """The workflow a new request starts under; its version is stored on first use."""
    workflow = current(workflow_name_for(direction, kind, legal_basis))
    remember_version(workflow)
    return workflow


def remember_version(workflow: Workflow) -> None:
    exists = db.session.scalar(select(WorkflowVersion.version).where(
        WorkflowVersion.name == workflow.name, WorkflowVersion.version == workflow.version))
    if exists:
        return
    try:
        with db.session.begin_nested():
            db.session.add(WorkflowVersion(name=workflow.name, version=workflow.version,
                                           source=workflow.source))
    except IntegrityError:
        pass  # another request stored the same version first


def definition(name: str, version: str) -> Workflow:
    """A definition by name and version: memory, then the stored source, then the file;
    its words in the request's language (mla.workflow.texts)."""
    return localized(_definition(name, version))


def as_written(workflow: Workflow) -> Workflow:
    """A definition's words as its file says them (English), e.g. for what is stored."""
    with _lock:
        return _parsed.get((workflow.name, workflow.version), workflow)


def _definition(name: str, version: str) -> Workflow:
    with _lock:
        found = _parsed.get((name, version))
    if found is not None:
        return found
    stored = db.session.get(WorkflowVersion, (name, version))
    if stored is not None:
        return _parse(stored.source.encode("utf-8"), f"{name}@{version}")
    latest = _current_file(name)
    if latest.version != version:
        # A request from before versions were stored: run it under today's file
        # rather than not at all, and say so in the log.
        log.warning("workflow %s version %s is not stored; using %s", name, version,
                    latest.version)
    return latest


def definition_for_case(case: Any) -> Workflow:
    return definition(case.workflow_name, case.workflow_version)


def current_in_request(name: str) -> Workflow:
    """``current(name)``, its file checked once per request rather than once per call:
    a list labels every row's state."""
    if not has_request_context():
        return current(name)
    seen: dict[str, Workflow] = request.environ.setdefault("mla.workflows", {})
    if name not in seen:
        seen[name] = current(name)
    return seen[name]


def state_label(workflow_name: str, state: str) -> str:
    """A state's name in plain words (from today's file; unknown names are humanised)."""
    try:
        return current_in_request(workflow_name).label_of(state)
    except (LookupError, OSError, DefinitionError):
        return state.replace("_", " ").capitalize()


def state_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Each workflow's title with its states as (name, label) in the reader's language,
    for a state filter (today's files; a state name may recur across workflows)."""
    return [(workflow.title, [(state.name, state.label) for state in workflow.states.values()])
            for workflow in (current_in_request(name) for name in WORKFLOW_NAMES)]


def step_label(workflow_name: str, step: str | None, recorded: str | None = None) -> str:
    """A step's label in the reader's language (today's file), else as recorded with
    the step, else its name humanised."""
    try:
        found = current_in_request(workflow_name).transition(step or "")
    except (LookupError, OSError, DefinitionError):
        found = None
    if found is not None:
        return found.label
    return recorded or (step or "").replace("_", " ").capitalize()
