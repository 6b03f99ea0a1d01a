"""Sandbox pages: the trainer's console, class accounts, exercises and the outbox.

The blueprint is registered in every instance, but outside sandbox mode every
route answers 404: a production instance has no clock to move and no class.
Admins and supervisors act as trainers in a sandbox.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from mla.auth.models import User
from mla.cases.models import Case
from mla.cases.queries import visible_cases
from mla.core import clock
from mla.core.access import allow, allow_any_user
from mla.core.display import reader_zone_name, when
from mla.core.errors import ServiceError
from mla.core.forms import apply_service_error, as_choices
from mla.core.i18n import data_text, scenario_key
from mla.core.transaction import after_commit
from mla.core.zones import zone_label, zone_of
from mla.extensions import db
from mla.notifications.models import OutboxMessage
from mla.sandbox import copies, services
from mla.sandbox import exercises as exercise_service
from mla.sandbox.counterpart import run_sandbox_pass
from mla.sandbox.debrief import debrief, debrief_csv
from mla.sandbox.forms import (
    AdvanceForm,
    AnswerForm,
    ClassForm,
    ConfirmForm,
    LoadForm,
    SetClockForm,
    TeamForm,
)
from mla.sandbox.letters import answer_question
from mla.sandbox.models import CounterpartLetter, SandboxState, ScenarioCase
from mla.sandbox.pack import PackError, available_packs, pack_title
from mla.sandbox.scenario import (
    load_pack,
    loaded_pack,
    reset_scenario,
    reset_trainee,
    team_up,
)
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
    load.pack.choices = _pack_choices()
    if state is not None and state.pack and not load.pack.data:
        load.pack.data = state.pack
    scenario_cases = db.session.execute(  # the trainer's copy: one line per request
        select(ScenarioCase.key, ScenarioCase.case_id)
        .join(Case, Case.id == ScenarioCase.case_id)
        .where(Case.sandbox_copy_id.is_(None)).order_by(ScenarioCase.case_id)).all()
    return render_template(
        "sandbox/console.html", state=state, now=clock.now(),
        advance=forms.get("advance") or AdvanceForm(),
        set_clock=forms.get("set_clock") or _set_clock_form(formdata=None),
        load=load, confirm=ConfirmForm(), scenario_cases=scenario_cases), status


def _set_clock_form(**kwargs: Any) -> SetClockForm:
    """The set-the-clock form in the trainer's zone, named beside the field as every time
    on the page names it; shown afresh (``formdata=None``) it reads the simulated now."""
    zone = zone_of(current_user)
    now = clock.now()
    if kwargs.get("formdata", True) is None:
        local = now.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        kwargs["data"] = {"target": local.replace(second=0, microsecond=0)}
    form = SetClockForm(zone=zone, **kwargs)
    form.target.label.text = _("Simulated date and time (%(zone)s)",
                               zone=reader_zone_name(now))
    form.zone_help = _("In your time zone: %(zone)s.",
                       zone=zone_label(zone, get_locale() or "en", now))
    return form


def _pack_choices() -> list[tuple[str, str]]:
    """The shipped packs by their titles in the reader's language (the folder name when a
    pack has no title)."""
    return as_choices(
        (name, data_text(scenario_key(name, "title"), pack_title(name)) or name)
        for name in available_packs())


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
            "counterpart have been run.", now=when(moved)), "success")
    return redirect(url_for("sandbox.console"))


@bp.route("/clock/set", methods=["POST"])
@allow(*TRAINERS)
def set_clock() -> ResponseReturnValue:
    form = _set_clock_form()
    if not form.validate_on_submit():
        return _console(422, set_clock=form)
    try:
        target = form.target_utc
        assert target is not None  # the form requires it and read it in the trainer's zone
        moved = services.move_clock_to(current_user, target)
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _console(422, set_clock=form)
    _run_pass_after_commit()
    flash(_("The simulated clock now reads %(now)s.",
            now=when(moved)), "success")
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
    form.pack.choices = _pack_choices()
    if not form.validate_on_submit():
        return _console(422, load=form)
    try:
        pack = load_pack(current_user, form.pack.data)
    except PackError as exc:
        form.pack.errors = [exc.message, *exc.problems]
        return _console(422, load=form)
    flash(_("Scenario “%(title)s” loaded; the clock is at its start.",
              title=data_text(scenario_key(pack.name, "title"), pack.title)),
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
            title=data_text(scenario_key(pack.name, "title"), pack.title)), "success")
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


def _team_form(trainees: list[Any], user_id: int, formdata: Any = None) -> TeamForm:
    form = TeamForm(formdata=formdata, prefix=f"team-{user_id}")
    form.partner.choices = as_choices((t.id, t.display_name) for t in trainees
                                      if t.id != user_id)
    return form


def _progress(status: int = 200, failed: dict[int, TeamForm] | None = None
              ) -> tuple[str, int]:
    trainees = services.trainees()
    results = exercise_service.progress([t.id for t in trainees])
    teams = copies.members_by_user([t.id for t in trainees])
    names = {t.id: t.display_name for t in trainees}
    forms = {t.id: (failed or {}).get(t.id) or _team_form(trainees, t.id) for t in trainees}
    return render_template(
        "sandbox/progress.html", trainees=trainees, results=results,
        exercises=exercise_service.exercises(), confirm=ConfirmForm(), team_forms=forms,
        teammates={t.id: [names[m] for m in teams[t.id] if m != t.id and m in names]
                   for t in trainees}), status


@bp.route("/progress")
@allow(*TRAINERS)
def progress() -> ResponseReturnValue:
    return _progress()


def _trainee(user_id: int) -> Any:
    user = db.session.get(User, user_id)
    if user is None or user.role != copies.TRAINEE:
        abort(404)
    return user


@bp.route("/trainees/<int:user_id>/reset", methods=["POST"])
@allow(*TRAINERS)
def trainee_reset(user_id: int) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = _trainee(user_id)
    try:
        reset_trainee(current_user, user)
    except PackError as exc:
        flash(" ".join([exc.message, *exc.problems]), "danger")
        return redirect(url_for("sandbox.progress"))
    flash(_("%(name)s's copy of the scenario is back at its start; the class clock has not "
            "moved.", name=user.display_name), "success")
    return redirect(url_for("sandbox.progress"))


@bp.route("/trainees/<int:user_id>/team", methods=["POST"])
@allow(*TRAINERS)
def trainee_team(user_id: int) -> ResponseReturnValue:
    user = _trainee(user_id)
    form = _team_form(services.trainees(), user.id, request.form)
    if not form.validate_on_submit():
        return _progress(422, {user.id: form})
    partner = _trainee(int(form.partner.data or 0))
    try:
        team_up(current_user, user, partner)
    except PackError as exc:
        form.partner.errors = [exc.message, *exc.problems]
        return _progress(422, {user.id: form})
    flash(_("%(name)s now works on the same copy as %(partner)s.", name=user.display_name,
            partner=partner.display_name), "success")
    return redirect(url_for("sandbox.progress"))


@bp.route("/trainees/<int:user_id>/password", methods=["POST"])
@bp.route("/password", methods=["POST"], defaults={"user_id": None})
@allow(*TRAINERS)
def new_password(user_id: int | None) -> ResponseReturnValue:
    """A new generated password for a trainee (or, without an id, the trainer), shown
    once on a page nobody caches; the account's sessions end."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = _trainee(user_id) if user_id is not None else current_user
    name = user.display_name
    try:
        password = services.new_password_for(current_user, user,
                                             keep_session=g.get("user_session"))
    except ServiceError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("sandbox.progress"))
    db.session.commit()
    page = render_template("sandbox/new_password.html", name=name, username=user.username,
                           password=password, own=user_id is None)
    return Response(page, headers={"Cache-Control": "no-store"})


@bp.route("/trainees/<int:user_id>/debrief")
@allow(*TRAINERS)
def trainee_debrief(user_id: int) -> ResponseReturnValue:
    """One trainee's debrief: printable (print CSS), and as CSV for the workshop report."""
    user = _trainee(user_id)
    report = debrief(user, loaded_pack())
    if request.args.get("format") == "csv":
        return Response(debrief_csv(report), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="debrief-{user.username}.csv"',
            "Cache-Control": "no-store"})
    return render_template("sandbox/debrief.html", report=report)


def _letter(letter_id: int) -> tuple[CounterpartLetter, Case]:
    """The letter, on a request this user sees (another trainee's answers 404)."""
    letter = db.session.get(CounterpartLetter, letter_id)
    case = db.session.scalar(visible_cases(current_user).where(
        Case.id == letter.case_id)) if letter is not None else None
    if letter is None or case is None:
        abort(404)
    return letter, case


@bp.route("/letters/<int:letter_id>", methods=["GET", "POST"])
# Central-authority staff and trainees answer the counterpart; an auditor reads. A
# prosecutor's work is the portal, not the central authority's correspondence.
@allow("admin", "supervisor", "caseworker", "trainee", "auditor",
       write=("admin", "supervisor", "caseworker", "trainee"))
def letter(letter_id: int) -> ResponseReturnValue:
    """One letter of the simulated counterpart; a question is answered here (the request
    page shows the same form). A refused answer is shown next to the field."""
    found, case = _letter(letter_id)
    form = AnswerForm()
    ticked = request.form.getlist("ticked")
    if request.method == "POST" and form.validate_on_submit():
        try:
            answer_question(current_user, found.id, form.answer.data or "", ticked)
        except ServiceError as exc:
            db.session.rollback()
            apply_service_error(form, exc)
        else:
            db.session.commit()
            flash(_("Your answer was sent to %(sender)s.", sender=found.sender), "success")
            return redirect(url_for("cases.detail", reference=case.reference)
                            + f"#counterpart-letter-{found.id}")
    status = 422 if request.method == "POST" else 200
    return render_template("sandbox/letter.html", letter=found, case=case, form=form,
                           ticked=ticked), status


@bp.route("/exercises")
@allow_any_user
def my_exercises() -> ResponseReturnValue:
    results = exercise_service.progress([current_user.id])[current_user.id]
    return render_template("sandbox/exercises.html", results=results)


@bp.route("/outbox")
@allow_any_user
def outbox() -> ResponseReturnValue:
    """Everything the instance would have sent: in a sandbox nothing leaves the machine."""
    stmt = select(OutboxMessage)
    if current_user.role not in TRAINERS:  # a trainee: their own messages and copy only
        stmt = stmt.where(or_(
            OutboxMessage.user_id == current_user.id,
            OutboxMessage.case_id.in_(visible_cases(current_user).with_only_columns(Case.id))))
    rows = db.session.scalars(stmt.order_by(OutboxMessage.id.desc()).limit(300)).all()
    return render_template("sandbox/outbox.html", rows=rows)
