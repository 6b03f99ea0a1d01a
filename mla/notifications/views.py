"""My notifications, the letter approval queue, the dead-letter list, the sandbox mailbox."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from mla.cases.models import Case
from mla.cases.queries import visible_cases
from mla.core.access import allow, allow_any_user
from mla.core.errors import ServiceError
from mla.core.forms import apply_service_error, as_choices
from mla.extensions import db
from mla.notifications.dispatcher import retry_dead
from mla.notifications.forms import (
    ApproveLetterForm,
    DiscardLetterForm,
    EmptyForm,
    LetterLanguageForm,
    LetterSettingsForm,
)
from mla.notifications.letters import (
    Delivery,
    approval_refusal,
    approve_letter,
    delivery_of,
    discard_letter,
    letters_awaiting_approval,
    letters_of,
    redraft_letter,
    retry_letter,
    second_approver,
    set_second_approver,
    template_languages,
    undelivered_letters,
)
from mla.notifications.models import Letter, OutboxMessage, OutboxStatus
from mla.notifications.services import mark_read, notifications_for, unread_count
from mla.settings import current_settings

bp = Blueprint("notifications", __name__)

LETTER_ROLES = ("admin", "supervisor", "caseworker")


@bp.app_template_global()
def unread_notifications() -> int:
    if not current_user.is_authenticated:
        return 0
    return unread_count(current_user)


@bp.route("/notifications")
@allow_any_user
def index() -> ResponseReturnValue:
    return render_template("notifications/index.html", items=notifications_for(current_user),
                           form=EmptyForm())


@bp.route("/notifications/read", methods=["POST"])
@allow_any_user
def read() -> ResponseReturnValue:
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    raw = request.form.get("id", "")
    mark_read(current_user, int(raw) if raw.isdecimal() else None)
    return redirect(url_for("notifications.index"))


@bp.app_template_global()
def case_letters(case: Any) -> list[tuple[Letter, Delivery]]:
    """The request page's letters panel: each letter with where it stands."""
    found = letters_of(case)
    deliveries = delivery_of(found)
    return [(letter, deliveries[letter.id]) for letter in found]


@bp.route("/letters")
@allow(*LETTER_ROLES, "trainee")
def letters() -> ResponseReturnValue:
    drafts = letters_awaiting_approval()
    failed = undelivered_letters()
    return render_template("notifications/letters.html", letters=drafts,
                           refusals={x.id: approval_refusal(current_user, x) for x in drafts},
                           failed=failed, deliveries=delivery_of(failed), form=EmptyForm(),
                           policy=second_approver())


def _letter(letter_id: int) -> Letter:
    # Only on a request the user may read (a sandbox trainee: their own copy's).
    letter = db.session.scalar(select(Letter).where(
        Letter.id == letter_id,
        Letter.case_id.in_(visible_cases(current_user).with_only_columns(Case.id))))
    if letter is None:
        abort(404)
    return letter


def _approved_message(letter: Letter) -> str:
    if not letter.to_address:
        return _("Letter approved. It has no e-mail address: send it by the usual channel.")
    return _("Letter approved. It is being sent to %(address)s; its page shows when it has "
             "gone.", address=letter.to_address)


@bp.route("/letters/<int:letter_id>", methods=["GET", "POST"])
@allow(*LETTER_ROLES, "trainee", write=LETTER_ROLES)
def letter(letter_id: int) -> ResponseReturnValue:
    item = _letter(letter_id)
    form = ApproveLetterForm(obj=item) if request.method == "GET" else ApproveLetterForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                approve_letter(current_user, item, subject=form.subject.data,
                               body=form.body.data)
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = exc.status
            else:
                flash(_approved_message(item), "success")
                return redirect(url_for("notifications.letter", letter_id=item.id))
    return render_template("notifications/letter.html", letter=item, form=form,
                           discard_form=DiscardLetterForm(), retry_form=EmptyForm(),
                           language_form=_language_form(item),
                           refusal=approval_refusal(current_user, item),
                           delivery=delivery_of([item])[item.id]), status


def _language_form(letter: Letter, form: LetterLanguageForm | None = None
                   ) -> LetterLanguageForm | None:
    """Where the letter's template exists in several languages, the caseworker may choose
    another (the counterpart's has none: the letter is then flagged for translation)."""
    languages = sorted(template_languages(letter.template_code))
    if len(languages) < 2:
        return None
    form = form or LetterLanguageForm(language=letter.language)
    form.language.choices = as_choices((code, code) for code in languages)
    return form


@bp.route("/letters/<int:letter_id>/language", methods=["POST"])
@allow(*LETTER_ROLES)
def letter_language(letter_id: int) -> ResponseReturnValue:
    item = _letter(letter_id)
    form = _language_form(item, LetterLanguageForm())
    if form is None or not form.validate_on_submit():
        abort(400)
    try:
        redraft_letter(current_user, item, form.language.data or "")
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        flash(_("The letter was drafted again in %(language)s; check it before approving.",
                language=item.language), "success")
    return redirect(url_for("notifications.letter", letter_id=item.id))


@bp.route("/letters/<int:letter_id>/discard", methods=["POST"])
@allow(*LETTER_ROLES)
def discard(letter_id: int) -> ResponseReturnValue:
    item = _letter(letter_id)
    form = DiscardLetterForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        discard_letter(current_user, item, reason=form.reason.data or "")
    except ServiceError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("notifications.letter", letter_id=item.id))
    flash(_("Letter discarded."), "success")
    return redirect(url_for("notifications.letters"))


@bp.route("/letters/<int:letter_id>/retry", methods=["POST"])
@allow(*LETTER_ROLES)
def retry_delivery(letter_id: int) -> ResponseReturnValue:
    item = _letter(letter_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        retry_letter(current_user, item)
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        flash(_("The letter will be sent again shortly."), "success")
    return redirect(url_for("notifications.letter", letter_id=item.id))


@bp.route("/letters/settings", methods=["GET", "POST"])
@allow("admin")
def letter_settings() -> ResponseReturnValue:
    form = LetterSettingsForm(second_approver=second_approver().value)
    if request.method == "POST":
        form = LetterSettingsForm()
        if form.validate_on_submit():
            try:
                set_second_approver(current_user, form.second_approver.data)
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                flash(_("Saved: who approves letters."), "success")
                return redirect(url_for("notifications.letter_settings"))
        return render_template("notifications/settings.html", form=form), 422
    return render_template("notifications/settings.html", form=form)


@bp.route("/outbox/dead")
@allow("admin")
def dead_letters() -> ResponseReturnValue:
    rows = db.session.scalars(select(OutboxMessage)
                              .where(OutboxMessage.status == OutboxStatus.DEAD)
                              .order_by(OutboxMessage.id.desc()).limit(500)).all()
    return render_template("notifications/dead.html", rows=rows, form=EmptyForm())


@bp.route("/outbox/dead/<int:message_id>/retry", methods=["POST"])
@allow("admin")
def retry(message_id: int) -> ResponseReturnValue:
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    retry_dead(current_user, message_id)
    flash(_("Message queued again."), "success")
    return redirect(url_for("notifications.dead_letters"))


@bp.route("/outbox/mail")
@allow("admin", "supervisor", "trainee")
def mailbox() -> ResponseReturnValue:
    """Every e-mail the outbox holds; in a sandbox this is where mail goes instead of SMTP."""
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")
                              .order_by(OutboxMessage.id.desc()).limit(200)).all()
    return render_template("notifications/mailbox.html", rows=rows,
                           is_sandbox=current_settings().is_sandbox)
