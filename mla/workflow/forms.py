"""A step's form, built from the fields its transition declares."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from mla.cases.validation import home_today
from mla.core.forms import as_choices
from mla.settings import current_settings
from mla.treaties.services import treaties_between
from mla.workflow.definitions import FieldSpec, Transition
from mla.workflow.grounds import ground_choices
from mla.workflow.services import TEXT_LIMITS


class StepForm(FlaskForm):
    version = HiddenField()
    comment = TextAreaField(_l("Comment"), validators=[Length(max=5000)])

    transition: Transition

    def values(self) -> dict[str, Any]:
        """The declared fields' data, for apply_transition (which checks them again)."""
        return {spec.name: self[spec.name].data for spec in self.transition.fields
                if self[spec.name].data not in (None, "")}

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data or "")
        except (TypeError, ValueError):
            return None


def _field(spec: FieldSpec, authorities: list[tuple[int, str]],
           grounds: list[tuple[str, str]], treaties: list[tuple[str, str]]) -> Any:
    presence = InputRequired() if spec.required else Optional()
    kwargs: dict[str, Any] = {"description": spec.help}
    if spec.type == "text":
        return StringField(spec.label, validators=[
            DataRequired() if spec.required else Optional(),
            Length(max=TEXT_LIMITS["text"])], **kwargs)
    if spec.type == "textarea":
        return TextAreaField(spec.label, validators=[
            DataRequired() if spec.required else Optional(),
            Length(max=TEXT_LIMITS["textarea"])], **kwargs)
    if spec.type == "date":
        if spec.default == "today":
            kwargs["default"] = home_today  # a receipt date: today in the home zone
        return DateField(spec.label, validators=[presence], **kwargs)
    if spec.type == "select":
        return SelectField(spec.label, choices=as_choices([("", "—"), *spec.choices]),
                           validators=[presence], **kwargs)
    if spec.type == "refusal_ground":
        return SelectField(spec.label, choices=as_choices([("", "—"), *grounds]),
                           validators=[presence], **kwargs)
    if spec.type == "treaty":
        return SelectField(spec.label, choices=as_choices([("", "—"), *treaties]),
                           validators=[presence], **kwargs)
    if spec.type == "authority":
        options = [("", "—"), *[(str(i), n) for i, n in authorities]]
        return SelectField(spec.label, choices=as_choices(options), validators=[presence],
                           **kwargs)
    raise ValueError(f"unknown field type {spec.type!r}")


def step_form(transition: Transition, *, version: int | None = None,
              authorities: list[tuple[int, str]] | None = None,
              formdata: Any = "missing", case: Any = None) -> StepForm:
    """A form class for this step, instantiated; prefixed so several fit on one page."""
    attrs: dict[str, Any] = {"transition": transition}
    asks_ground = any(spec.type == "refusal_ground" for spec in transition.fields)
    grounds = ground_choices(case) if asks_ground else []
    asks_treaty = case is not None and any(spec.type == "treaty" for spec in transition.fields)
    treaties = [(str(t.id), t.name) for t in treaties_between(
        current_settings().home_country, case.counterpart_country, case.kind)
    ] if asks_treaty else []
    for spec in transition.fields:
        attrs[spec.name] = _field(spec, authorities or [], grounds, treaties)
    form_class = type(f"StepForm_{transition.name}", (StepForm,), attrs)
    kwargs: dict[str, Any] = {"prefix": transition.name}
    if formdata != "missing":
        kwargs["formdata"] = formdata
    form = form_class(**kwargs)
    if version is not None and not form.version.data:
        form.version.data = str(version)
    if transition.comment_required:
        form.comment.flags.required = True
    return form
