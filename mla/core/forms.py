"""Helpers shared by forms: put a service's refusal next to the field it concerns."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar, cast

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields.choices import (  # type: ignore[attr-defined]  # new in WTForms 3.3,
    SelectChoice,  # types-WTForms describes 3.2
)
from wtforms.fields.core import UnboundField
from wtforms.validators import ValidationError

from mla.core.errors import ApiError
from mla.core.text import has_line_break

F = TypeVar("F", bound=Field)


def reuse(field: UnboundField[F]) -> F:
    """Another form's field declared again (``title = reuse(CaseForm.title)``): typed as
    WTForms' stubs type a declaration, the field it becomes on each form."""
    return cast(F, field)


def apply_service_error(form: FlaskForm, exc: ApiError) -> None:
    field_name = exc.details.get("field") if isinstance(exc.details, dict) else None
    field = getattr(form, field_name, None) if field_name else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*list(field.errors), exc.message]
    else:
        form.form_errors.append(exc.message)


class SingleLine:
    """A value that goes into a mail header, a calendar or a file name: one line only.
    A browser's text input never sends a line break, so one is always crafted."""

    def __init__(self, message: Any = None) -> None:
        self.message = message or _l("Write this on one line.")

    def __call__(self, form: Any, field: Field) -> None:
        if isinstance(field.data, str) and has_line_break(field.data):
            raise ValidationError(self.message)


def as_choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 SelectChoice objects (tuples are deprecated)."""
    return [SelectChoice(value, label) for value, label in pairs]
