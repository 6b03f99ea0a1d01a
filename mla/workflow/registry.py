"""Which workflow a new request starts under (the engine issue replaces this loader)."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

WORKFLOW_DIR = Path(__file__).resolve().parent.parent.parent / "workflows"


@dataclass(frozen=True)
class WorkflowRef:
    name: str
    version: str
    initial: str


def workflow_for(direction: str, kind: str) -> WorkflowRef:
    path = WORKFLOW_DIR / f"{direction}_{kind}.toml"
    raw = path.read_bytes()
    data = tomllib.loads(raw.decode("utf-8"))
    return WorkflowRef(name=data["name"], version=hashlib.sha256(raw).hexdigest()[:16],
                       initial=data["initial"])


def state_label(workflow_name: str, state: str) -> str:
    return state.replace("_", " ").capitalize()
