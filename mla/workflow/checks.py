"""Check every workflow file against the registered guards and effects."""

from __future__ import annotations

from dataclasses import dataclass

from mla.workflow import hooks
from mla.workflow.definitions import Workflow
from mla.workflow.registry import WORKFLOW_NAMES, workflow_path
from mla.workflow.validation import check_file


@dataclass(frozen=True)
class FileReport:
    name: str
    path: str
    workflow: Workflow | None
    problems: list[str]


class WorkflowConfigError(RuntimeError):
    """Start-up refused: a workflow definition is wrong. The message lists why."""


def check_all() -> list[FileReport]:
    guard_names, effect_names = hooks.guards(), hooks.effects()
    reports = []
    for name in WORKFLOW_NAMES:
        path = workflow_path(name)
        workflow, problems = check_file(path, guard_names=guard_names, effect_names=effect_names)
        reports.append(FileReport(name, str(path), workflow, problems))
    return reports


def format_problems(reports: list[FileReport]) -> str:
    lines = []
    for report in reports:
        for problem in report.problems:
            lines.append(f"{report.path}: {problem}")
    return "\n".join(lines)


def validate_at_startup() -> None:
    """Fail fast: the app does not start with a broken workflow."""
    reports = check_all()
    if any(r.problems for r in reports):
        raise WorkflowConfigError("workflow definitions are invalid:\n" + format_problems(reports))
