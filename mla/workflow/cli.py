"""`flask --app wsgi workflows check`: validate every workflow definition."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from mla.workflow import hooks
from mla.workflow.checks import check_all
from mla.workflow.validation import check_file

cli = AppGroup("workflows", help="Workflow definitions.")


@cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def check(paths: tuple[Path, ...]) -> None:
    """Validate the shipped workflow files (or the files given) and list every problem."""
    if paths:
        guard_names, effect_names = hooks.guards(), hooks.effects()
        results = [(str(p), *check_file(p, guard_names=guard_names, effect_names=effect_names))
                   for p in paths]
    else:
        results = [(r.path, r.workflow, r.problems) for r in check_all()]
    failed = 0
    for path, workflow, problems in results:
        if problems:
            failed += 1
            click.echo(f"{path}: {len(problems)} problem(s)")
            for problem in problems:
                click.echo(f"  - {problem}")
        else:
            assert workflow is not None
            click.echo(f"{path}: ok ({workflow.name}, version {workflow.version}, "
                       f"{len(workflow.states)} states, {len(workflow.transitions)} transitions)")
    if failed:
        click.echo(f"{failed} of {len(results)} definition(s) refused.", err=True)
        sys.exit(1)
