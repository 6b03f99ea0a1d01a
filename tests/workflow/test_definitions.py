"""The shipped definitions are valid; each broken fixture is refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from mla.workflow import hooks
from mla.workflow.registry import WORKFLOW_NAMES, current, workflow_path
from mla.workflow.validation import check_file

FIXTURES = Path(__file__).parent / "fixtures"

# fixture file -> the message that names its problem
BROKEN = {
    "unknown_guard": "transition 'close': unknown guard 'translation_checked'",
    "unknown_effect": "transition 'close': unknown effect 'fax_counterpart'",
    "unknown_deadline_rule": "effect 'start_deadline:ece_art99': unknown argument 'ece_art99'",
    "unreachable_state": "state 'limbo' is unreachable from 'received'",
    "dead_end": "state 'stuck' is a dead end: not terminal, and no transition leaves it",
    "trapped_cycle": "state 'ping' can never reach a terminal state",
    "from_terminal": "transition 'reopen': leaves terminal state 'closed'",
    "duplicate_transition": "transition 'close': duplicate transition name",
    "duplicate_state": "state 'review': duplicate state name",
    "unknown_role": "transition 'close': unknown role(s) clerk",
    "unknown_field_type": "field 'confirmed': unknown field type 'checkbox'",
    "select_without_choices": "field 'outcome': a select field needs 'choices'",
    "reserved_field": "field 'comment': 'comment' is reserved by the step form",
    "missing_initial": "missing initial state ('initial')",
    "unknown_initial": "initial state 'start' is not declared",
    "unknown_target": "transition 'close': goes to unknown state 'archived'",
    "no_terminal": "no terminal state: a request could never be closed",
    "misspelt_key": "transition 'close': unknown key 'guard'",
    "not_toml": "not valid TOML",
    "name_mismatch": "name 'incoming_mla' does not match the file name 'name_mismatch'",
}


def _check(path: Path) -> list[str]:
    _workflow, problems = check_file(path, guard_names=hooks.guards(),
                                     effect_names=hooks.effects())
    return problems


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_shipped_definition_is_valid(app_ctx, name):
    assert _check(workflow_path(name)) == []


def test_every_fixture_is_listed():
    assert {p.stem for p in FIXTURES.glob("*.toml")} == set(BROKEN)


@pytest.mark.parametrize(("name", "message"), sorted(BROKEN.items()))
def test_broken_definition_is_refused_with_its_reason(app_ctx, name, message):
    problems = _check(FIXTURES / f"{name}.toml")
    assert any(message in p for p in problems), problems


def test_a_valid_fixture_base_has_no_problem(app_ctx, tmp_path):
    """The fixtures differ from a valid file only by their defect."""
    text = (FIXTURES / "unknown_guard.toml").read_text().replace(
        'guards = ["translation_checked"]\n', "").replace("unknown_guard", "base")
    path = tmp_path / "base.toml"
    path.write_text(text)
    assert _check(path) == []


def test_shipped_lifecycles_carry_what_the_domain_needs(app_ctx):
    incoming = current("incoming_mla")
    assert incoming.initial == "received"
    assert incoming.states["awaiting_information"].pauses_clocks
    assert "refusal_proposed" in incoming.approval_states
    approve = incoming.transition("approve_refusal")
    assert approve.roles == {"supervisor", "admin"}
    propose = incoming.transition("propose_refusal")
    assert {f.type for f in propose.fields} >= {"refusal_ground", "textarea"}
    assert current("outgoing_mla").initial == "draft"
    extradition = current("incoming_extradition")
    # Our service level pauses while we wait for the counterpart; custody limits never
    # do, because no custody rule is pausable (test_custody_rules_are_never_pausable).
    assert extradition.states["awaiting_information"].pauses_clocks
    assert current("outgoing_extradition").states["information_requested"].pauses_clocks
    assert "closed_referred" in extradition.states  # aut dedere aut judicare
    assert current("outgoing_extradition").initial == "draft"


def test_check_command_passes_on_shipped_files(runner):
    result = runner.invoke(args=["workflows", "check"])
    assert result.exit_code == 0, result.output
    for name in WORKFLOW_NAMES:
        assert f"{name}.toml: ok" in result.output


def test_check_command_lists_problems_and_fails(runner):
    paths = [str(FIXTURES / "dead_end.toml"), str(FIXTURES / "unknown_guard.toml"),
             str(workflow_path("incoming_mla"))]
    result = runner.invoke(args=["workflows", "check", *paths])
    assert result.exit_code == 1
    assert "dead_end.toml: 1 problem(s)" in result.output
    assert "state 'stuck' is a dead end" in result.output
    assert "unknown guard 'translation_checked'" in result.output
    assert "incoming_mla.toml: ok" in result.output
    assert "2 of 3 definition(s) refused." in result.output


def test_app_refuses_to_start_with_a_broken_definition(tmp_path, monkeypatch):
    from mla import create_app
    from mla.workflow import registry
    from mla.workflow.checks import WorkflowConfigError
    from tests.conftest import make_settings

    for name in WORKFLOW_NAMES:
        (tmp_path / f"{name}.toml").write_bytes(workflow_path(name).read_bytes())
    broken = (FIXTURES / "dead_end.toml").read_text().replace("dead_end", "outgoing_mla")
    (tmp_path / "outgoing_mla.toml").write_text(broken)
    monkeypatch.setattr(registry, "WORKFLOW_DIR", tmp_path)
    with pytest.raises(WorkflowConfigError) as caught:
        create_app(make_settings(tmp_path / "instance"))
    assert "outgoing_mla.toml: state 'stuck' is a dead end" in str(caught.value)
