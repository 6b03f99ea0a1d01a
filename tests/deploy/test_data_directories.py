"""MLA_WORKFLOWS_DIR and MLA_SCENARIOS_DIR replace the copies shipped in the package."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

import mla

SHIPPED = Path(mla.__file__).resolve().parent


@pytest.fixture
def configure(app_ctx, monkeypatch: pytest.MonkeyPatch):
    def apply(**values: object) -> None:
        settings = dataclasses.replace(app_ctx.extensions["mla.settings"], **values)
        monkeypatch.setitem(app_ctx.extensions, "mla.settings", settings)

    return apply


def test_workflow_definitions_come_from_the_configured_directory(configure, tmp_path, runner):
    from mla.workflow import registry

    own = tmp_path / "workflows"
    shutil.copytree(SHIPPED / "workflows", own)
    path = own / "incoming_mla.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'title = "Incoming request for mutual legal assistance"',
        'title = "Incoming MLA (national procedure)"', 1), encoding="utf-8")

    assert registry.current("incoming_mla").title != "Incoming MLA (national procedure)"
    configure(workflows_dir=own)
    assert registry.workflow_path("incoming_mla") == path
    assert registry.current("incoming_mla").title == "Incoming MLA (national procedure)"
    assert runner.invoke(args=["workflows", "check"]).exit_code == 0

    path.write_text("name = 'incoming_mla'\n", encoding="utf-8")
    result = runner.invoke(args=["workflows", "check"])
    assert result.exit_code != 0 and str(path) in result.output


def test_scenario_packs_come_from_the_configured_directory(configure, tmp_path):
    from mla.sandbox.pack import available_packs, resolve_pack

    assert "first-week" in available_packs()
    own = tmp_path / "packs"
    shutil.copytree(SHIPPED / "scenarios" / "first-week", own / "national-week")
    configure(scenarios_dir=own)
    assert available_packs() == ["national-week"]
    assert resolve_pack("national-week") == own / "national-week"
