"""Pages: take a step on a request, see a workflow drawn, see what awaits approval."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from mla.cases.queries import get_case_for
from mla.core.access import allow, allow_any_user
from mla.core.errors import ApiError, Conflict, NotFound, ServiceError
from mla.core.forms import apply_service_error
from mla.directory.queries import authority_choices
from mla.workflow import registry
from mla.workflow.checks import validate_at_startup
from mla.workflow.diagram import render_svg
from mla.workflow.forms import StepForm, step_form
from mla.workflow.grounds import not_a_ground_note
from mla.workflow.roles import describe_roles
from mla.workflow.services import (
    StepOption,
    apply_transition,
    available_transitions,
    pending_approvals,
)
from mla.workflow.values import (
    answered_question,
    event_values,
    open_question,
    question_text,
    recorded_steps,
)

bp = Blueprint("workflow", __name__)


@bp.record_once
def _check_definitions(state: Any) -> None:
    # Registering the blueprint happens in create_app: a broken file stops start-up.
    with state.app.app_context():
        validate_at_startup()


def _authorities() -> list[tuple[int, str]]:
    return authority_choices(domestic_only=True)


def step_panel(case: Any) -> dict[str, Any]:
    """What the request page shows about next steps (used by the include)."""
    options = available_transitions(current_user, case)
    needs_authorities = any(f.type == "authority" for o in options if o.allowed
                            for f in o.transition.fields)
    authorities = _authorities() if needs_authorities else []
    forms = {o.name: step_form(o.transition, version=case.version, authorities=authorities,
                               formdata=None, case=case)
             for o in options if o.allowed}
    asks_ground = any(f.type == "refusal_ground" for o in options if o.allowed
                      for f in o.transition.fields)
    return {"options": options, "forms": forms, "describe_roles": describe_roles,
            "fiscal_note": not_a_ground_note(case) if asks_ground else "",
            "question": open_question(case)}


@bp.app_context_processor
def _inject() -> dict[str, Any]:
    return {"workflow_step_panel": step_panel, "state_label_for": registry.state_label,
            "step_label_for": registry.step_label,
            "step_values": event_values, "recorded_steps": recorded_steps,
            "question_text": question_text, "answered_question": answered_question}


@bp.route("/requests/<reference>/steps/<name>", methods=["GET", "POST"])
@allow_any_user
def take_step(reference: str, name: str) -> ResponseReturnValue:
    """A step's form on its own page (also where a refused form is shown again)."""
    case = get_case_for(current_user, reference)
    option = _option(case, name)
    authorities = _authorities() if any(f.type == "authority"
                                        for f in option.transition.fields) else []
    form = step_form(option.transition, version=case.version, authorities=authorities,
                     case=case)
    status = 200
    if request.method == "POST":
        status, done = _submit(case, option, form)
        if done:
            flash(_("Done: %(step)s.", step=option.transition.label), "success")
            return redirect(url_for("cases.detail", reference=case.reference,
                                    _anchor="workflow-steps"))
    return render_template("workflow/step.html", case=case, option=option, form=form,
                           fiscal_note=not_a_ground_note(case), describe_roles=describe_roles,
                           question=open_question(case)), status


def _option(case: Any, name: str) -> StepOption:
    for option in available_transitions(current_user, case):
        if option.name == name:
            return option
    raise NotFound(_("That step is not possible from the request's current state."))


def _submit(case: Any, option: StepOption, form: StepForm) -> tuple[int, bool]:
    if not form.validate_on_submit():
        return 422, False
    expected = form.expected_version()
    if expected is None:
        form.form_errors.append(_("The form is incomplete; reload the page."))
        return 422, False
    try:
        apply_transition(current_user, case, option.name, expected_version=expected,
                         values=form.values(), comment=form.comment.data or "")
    except Conflict as exc:
        form.form_errors.append(exc.message)
        return 409, False
    except ServiceError as exc:
        blocked = exc.details.get("blocked_by") if isinstance(exc.details, dict) else None
        if blocked:
            form.form_errors.extend([exc.message, *blocked])
        else:
            apply_service_error(form, exc)
        return 422, False
    except ApiError as exc:
        if exc.status == 403:
            abort(403, exc.message)
        raise
    return 200, True


@bp.route("/workflows/")
@allow_any_user
def index() -> ResponseReturnValue:
    return render_template("workflow/index.html", workflows=registry.current_all())


@bp.route("/workflows/<name>")
@allow_any_user
def show(name: str) -> ResponseReturnValue:
    if name not in registry.WORKFLOW_NAMES:
        raise NotFound(_("No workflow of that name."))
    workflow = registry.current(name)
    highlight = request.args.get("state", "")[:60] or None
    case = None
    reference = request.args.get("case", "").strip()[:32]
    if reference:
        case = get_case_for(current_user, reference, full=False)
        if case.workflow_name != name:
            raise NotFound(_("That request does not follow this workflow."))
        workflow = registry.definition_for_case(case)
        highlight = case.state
    if highlight not in workflow.states:
        highlight = None
    return render_template("workflow/show.html", workflow=workflow, case=case,
                           highlight=highlight, svg=render_svg(workflow, highlight),
                           describe_roles=describe_roles)


@bp.route("/approvals")
@allow("supervisor", "admin")
def approvals() -> ResponseReturnValue:
    cases = pending_approvals(current_user)
    return render_template("workflow/approvals.html", cases=cases)
