"""Helpers shared by forms: put a service's refusal next to the field it concerns."""

from __future__ import annotations

from flask_wtf import FlaskForm

from mla.core.errors import ServiceError


def apply_service_error(form: FlaskForm, exc: ServiceError) -> None:
    field_name = exc.details.get("field") if isinstance(exc.details, dict) else None
    field = getattr(form, field_name, None) if field_name else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*list(field.errors), exc.message]
    else:
        form.form_errors.append(exc.message)
