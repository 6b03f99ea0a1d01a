"""What the API says about each refused field, in the language the client asked for.

``details`` of a 422 maps each field to its messages (marshmallow's shape, unchanged);
the field names and the error ``code`` stay English identifiers. The messages are the
ones the web forms show for the same mistake: WTForms' own (translated by WTForms'
catalogues, as Flask-WTF does for the forms) and Comity's, marked for translation.

Marshmallow builds a field's message when it refuses a value; ``ApiSchema`` gives each
field messages that are ``Said``: they keep what to say and are put into words when the
answer is written (``in_words``), in the request's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from flask_babel import LazyString, ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf.i18n import translations as wtforms_translations
from marshmallow import Schema, ValidationError, fields, validate


class Said(str):
    """A message in WTForms' words (``plural`` and ``number`` for its plural forms), or a
    function that writes one of Comity's, with the values it names; still English
    until ``in_words``. A ``str`` so that marshmallow takes it as a message."""

    message: str
    words: Callable[[], str] | None
    plural: str | None
    number: int | None
    values: Mapping[str, Any]

    def __new__(cls, message: str, *, plural: str | None = None, number: int | None = None,
                words: Callable[[], str] | None = None, **values: Any) -> Said:
        said = super().__new__(cls, message % values if values else message)
        said.message, said.plural, said.number = message, plural, number
        said.words, said.values = words, values
        return said

    def format(self, *_args: Any, **_kwargs: Any) -> Said:
        """Marshmallow formats a field's message with the refused value: ours name no value."""
        return self

    def in_words(self) -> str:
        if self.words is not None:
            return self.words()
        if self.plural is not None and self.number is not None:
            text = wtforms_translations.ngettext(self.message, self.plural, self.number)
        else:
            text = wtforms_translations.gettext(self.message)
        return text % self.values if self.values else text


def in_words(messages: Any) -> Any:
    """marshmallow's ``messages`` (a tree of dicts and lists) with every message in the
    request's language; keys (field names, list positions) as they are."""
    if isinstance(messages, Said):
        return messages.in_words()
    if isinstance(messages, LazyString):
        return str(messages)
    if isinstance(messages, dict):
        return {key: in_words(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [in_words(value) for value in messages]
    return messages


# -- WTForms' words for marshmallow's refusals ------------------------------------------------
REQUIRED = "This field is required."
INVALID = "Invalid input."


def _not_valid(field: fields.Field) -> Said:
    """What a form says of a value of the wrong kind in a field like ``field``."""
    if isinstance(field, fields.Integer):
        return Said("Not a valid integer value.")
    if isinstance(field, fields.Number):
        return Said("Not a valid decimal value.")
    if isinstance(field, fields.Date):  # a kind of DateTime to marshmallow
        return Said("Not a valid date value.")
    if isinstance(field, fields.DateTime):
        return Said("Not a valid datetime value.")
    return Said(INVALID)


def ours(message: LazyString) -> Said:
    """One of Comity's messages (marked with ``_l``) as marshmallow needs a message: a
    ``str``, so that a field's refusal stays a list of messages."""
    return Said(str(message), words=message.__str__)


def _at_most_items(count: int) -> Callable[[], str]:
    return lambda: ngettext("At most %(num)d item.", "At most %(num)d items.", count)


def _length(rule: validate.Length, value: Any) -> Said:
    size = len(value)
    if isinstance(value, list | tuple | dict):  # a list of offences, of persons...
        return Said(INVALID) if rule.max is None or size <= rule.max else Said(
            f"at most {rule.max}", words=_at_most_items(rule.max))
    if rule.equal is not None:
        return Said("Field must be exactly %(max)d character long.",
                    plural="Field must be exactly %(max)d characters long.",
                    number=rule.equal, max=rule.equal)
    too_short = rule.min is not None and size < rule.min
    if too_short and rule.min == 1:
        return Said(REQUIRED)  # as DataRequired says of an empty title
    if rule.min not in (None, 0, 1) and rule.max is not None:
        return Said("Field must be between %(min)d and %(max)d characters long.",
                          min=rule.min, max=rule.max)
    if too_short and rule.min is not None:
        return Said("Field must be at least %(min)d character long.",
                    plural="Field must be at least %(min)d characters long.",
                    number=rule.min, min=rule.min)
    limit = rule.max or 0
    return Said("Field cannot be longer than %(max)d character.",
                plural="Field cannot be longer than %(max)d characters.",
                number=limit, max=limit)


def _range(rule: validate.Range, _value: Any) -> Said:
    if rule.min is not None and rule.max is not None:
        return Said("Number must be between %(min)s and %(max)s.",
                          min=rule.min, max=rule.max)
    if rule.min is not None:
        return Said("Number must be at least %(min)s.", min=rule.min)
    return Said("Number must be at most %(max)s.", max=rule.max)


def _one_of(rule: validate.OneOf, _value: Any) -> Said:
    return Said("Invalid value, must be one of: %(values)s.",
                      values=", ".join(str(choice) for choice in rule.choices))


_VALIDATORS: tuple[tuple[type, Callable[[Any, Any], Said]], ...] = (
    (validate.Length, _length),
    (validate.Range, _range),
    (validate.OneOf, _one_of),
)


_SPOKEN: tuple[type[validate.Validator], ...] = tuple(kind for kind, _say in _VALIDATORS)


class _InFormsWords:
    """Mixed into a marshmallow validator: its refusal said as the forms say it, unless
    the declaration gave one of Comity's own messages (``error=_l(...)``)."""

    def __call__(self, value: Any) -> Any:
        try:
            return super().__call__(value)  # type: ignore[misc]
        except ValidationError:
            own = getattr(self, "error", None)
            if isinstance(own, LazyString):
                raise
            say = next(say for kind, say in _VALIDATORS if isinstance(self, kind))
            raise ValidationError(say(self, value)) from None


@cache
def _in_forms_words(kind: type) -> type:
    """``kind`` speaking as the forms: still a ``kind``, so the OpenAPI document reads its
    bounds and choices as before."""
    return type(kind.__name__, (_InFormsWords, kind), {})


def _speaking(rule: Any) -> Any:
    """The same validator (its bounds, choices and message), speaking as the forms."""
    if not isinstance(rule, _SPOKEN) or isinstance(rule, _InFormsWords):
        return rule
    kind = _in_forms_words(type(rule))
    spoken: Any = object.__new__(kind)
    spoken.__dict__.update(vars(rule))
    return spoken


def speak_as_the_forms(field: fields.Field) -> None:
    """Give ``field`` (and the field of each item of a list) the forms' messages."""
    own: dict[str, Any] = {"required": Said(REQUIRED), "null": Said(REQUIRED),
                           "validator_failed": Said(INVALID)}
    if isinstance(field, fields.String | fields.Number | fields.Boolean | fields.Date
                  | fields.DateTime | fields.List):
        own["invalid"] = _not_valid(field)
        own["format"] = _not_valid(field)
        own["too_large"] = Said(INVALID)
    if isinstance(field, fields.Nested):
        own["type"] = Said(INVALID)
    field.error_messages = {**field.error_messages, **own}
    field.validators = [_speaking(rule) for rule in field.validators]
    if isinstance(field, fields.List):
        speak_as_the_forms(field.inner)


class ApiSchema(Schema):
    """A request body or query of the API: its refusals in the forms' words."""

    error_messages = {"unknown": ours(_l("Unknown field.")),
                      "type": Said(INVALID)}

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        speak_as_the_forms(field_obj)
