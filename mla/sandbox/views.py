"""Sandbox pages: the trainer's console, class accounts, exercises and the outbox.

The blueprint is registered in every instance, but outside sandbox mode every
route answers 404: a production instance has no clock to move and no class.
Admins and supervisors act as trainers in a sandbox.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from mla.core import clock
from mla.core.access import allow, allow_any_user
from mla.core.errors import ServiceError
from mla.core.forms import apply_service_error, as_choices
from mla.core.transaction import after_commit
from mla.extensions import db
from mla.notifications.models import OutboxMessage
from mla.sandbox import exercises as exercise_service
from mla.sandbox import services
from mla.sandbox.counterpart import run_sandbox_pass
from mla.sandbox.forms import AdvanceForm, ClassForm, ConfirmForm, LoadForm, SetClockForm
from mla.sandbox.models import SandboxState, ScenarioCase
from mla.sandbox.pack import PackError, available_packs
from mla.sandbox.scenario import load_pack, reset_scenario
from mla.settings import current_settings

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")
TRAINERS = services.TRAINER_ROLES
MAX_CLASS_FILE = 256 * 1024


def _sandbox_only() -> None:
    if request.blueprint == bp.name and not current_settings().is_sandbox:
        abort(404)


@bp.record_once
def _first_of_all(state: Any) -> None:
    # Before the access gate: outside a sandbox these pages do not exist, even to
    # an anonymous visitor (no redirect to the sign-in page).
    state.app.before_request_funcs.setdefault(None, []).insert(0, _sandbox_only)


def _run_pass_after_commit() -> None:
    """After the clock moved: one pass so deadlines fall due and the counterpart answers."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    after_commit(lambda: run_sandbox_pass(app))


def _console(status: int = 200, **forms: Any) -> tuple[str, int]:
    state = db.session.get(SandboxState, 1)
    load = forms.get("load") or LoadForm()
    load.pack.choices = as_choices((name, name) for name in available_packs())
    if state is not None and state.pack and not load.pack.data:
        load.pack.data = state.pack
    scenario_cases = db.session.execute(
        select(ScenarioCase.key, ScenarioCase.case_id)).all()
    return render_template(
        "sandbox/console.html", state=state, now=clock.now(),
        advance=forms.get("advance") or AdvanceForm(),
        set_clock=forms.get("set_clock") or SetClockForm(formdata=None),
        load=load, confirm=ConfirmForm(), scenario_cases=scenario_cases), status


@bp.route("/")
@allow(*TRAINERS)
def console() -> ResponseReturnValue:
    return _console()


@bp.route("/clock/advance", methods=["POST"])
@allow(*TRAINERS)
def advance() -> ResponseReturnValue:
    form = AdvanceForm()
    if not form.validate_on_submit():
        return _console(422, advance=form)
    try:
        moved = services.advance_clock(current_user, days=form.days.data or 0,
                                       hours=form.hours.data or 0)
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _console(422, advance=form)
    _run_pass_after_commit()
    flash(_("The simulated clock now reads %(now)s. Deadlines, reminders and the simulated "
            "counterpart have been run.", now=moved.strftime("%Y-%m-%d %H:%M UTC")), "success")
    return redirect(url_for("sandbox.console"))


@bp.route("/clock/set", methods=["POST"])
@allow(*TRAINERS)
def set_clock() -> ResponseReturnValue:
    form = SetClockForm()
    if not form.validate_on_submit():
        return _console(422, set_clock=form)
    try:
        target = form.target.data
        assert target is not None  # the form requires it
        moved = services.move_clock_to(current_user, target.replace(tzinfo=UTC))
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _console(422, set_clock=form)
    _run_pass_after_commit()
    flash(_("The simulated clock now reads %(now)s.",
            now=moved.strftime("%Y-%m-%d %H:%M UTC")), "success")
    return redirect(url_for("sandbox.console"))


@bp.route("/pass", methods=["POST"])
@allow(*TRAINERS)
def run_pass() -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _run_pass_after_commit()
    flash(_("Deadlines, reminders and the simulated counterpart have been run."), "success")
    return redirect(url_for("sandbox.console"))


@bp.route("/load", methods=["POST"])
@allow(*TRAINERS)
def load() -> ResponseReturnValue:
    form = LoadForm()
    form.pack.choices = as_choices((name, name) for name in available_packs())
    if not form.validate_on_submit():
        return _console(422, load=form)
    try:
        pack = load_pack(current_user, form.pack.data)
    except PackError as exc:
        form.pack.errors = [exc.message, *exc.problems]
        return _console(422, load=form)
    flash(_("Scenario “%(title)s” loaded; the clock is at its start.", title=pack.title),
          "success")
    return redirect(url_for("sandbox.console"))


@bp.route("/reset", methods=["POST"])
@allow(*TRAINERS)
def reset() -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        pack = reset_scenario(current_user)
    except PackError as exc:
        flash(" ".join([exc.message, *exc.problems]), "danger")
        return redirect(url_for("sandbox.console"))
    flash(_("Everything is back at the start of “%(title)s”. Accounts were kept.",
            title=pack.title), "success")
    return redirect(url_for("sandbox.console"))


@bp.route("/class", methods=["GET", "POST"])
@allow(*TRAINERS)
def class_accounts() -> ResponseReturnValue:
    form = ClassForm()
    if not form.validate_on_submit():
        return render_template("sandbox/class.html", form=form), 422 if form.errors else 200
    text = form.text.data or ""
    upload = form.file.data
    if upload:
        raw = upload.read(MAX_CLASS_FILE + 1)
        if len(raw) > MAX_CLASS_FILE:
            form.file.errors = [_("The file is too large for a class list.")]
            return render_template("sandbox/class.html", form=form), 422
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            form.file.errors = [_("The file is not UTF-8 text.")]
            return render_template("sandbox/class.html", form=form), 422
    if not text.strip():
        form.file.errors = [_("Choose a CSV file or paste the list.")]
        return render_template("sandbox/class.html", form=form), 422
    try:
        accounts, token = services.create_class_accounts(current_user, text)
    except services.ClassFileError as exc:
        form.file.errors = [exc.message, *exc.errors]
        return render_template("sandbox/class.html", form=form), 422
    response = Response(render_template("sandbox/class_created.html", accounts=accounts,
                                        token=token))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/class/<secret:token>.csv")
@allow(*TRAINERS)
def class_download(token: str) -> ResponseReturnValue:
    text = services.take_batch_csv(current_user, token)
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=class-accounts.csv",
        "Cache-Control": "no-store"})


@bp.route("/progress")
@allow(*TRAINERS)
def progress() -> ResponseReturnValue:
    trainees = services.trainees()
    results = exercise_service.progress([t.id for t in trainees])
    return render_template("sandbox/progress.html", trainees=trainees, results=results,
                           exercises=exercise_service.exercises())


@bp.route("/exercises")
@allow_any_user
def my_exercises() -> ResponseReturnValue:
    results = exercise_service.progress([current_user.id])[current_user.id]
    return render_template("sandbox/exercises.html", results=results)


@bp.route("/outbox")
@allow_any_user
def outbox() -> ResponseReturnValue:
    """Everything the instance would have sent: in a sandbox nothing leaves the machine."""
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())
                              .limit(300)).all()
    return render_template("sandbox/outbox.html", rows=rows)
