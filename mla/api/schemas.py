"""Request and response shapes of the JSON API (marshmallow; also feeds OpenAPI)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from mla.api.messages import ApiSchema, in_words, ours
from mla.cases.constants import DIRECTIONS, KINDS, LIFE_MONTHS, MEASURES, PERSON_ROLES
from mla.core.errors import ApiError


class Penalty(fields.Field):
    """A positive whole number of months, or the string 'life'."""

    default_error_messages = {
        "invalid": ours(_l("Must be a positive whole number of months or 'life'."))}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if value == "life":
            return LIFE_MONTHS
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < LIFE_MONTHS:
            raise self.make_error("invalid")
        return value

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        return "life" if value == LIFE_MONTHS else value


# ICCS codes are 2-6 digits; an authority's own subdivisions extend them to 8.
IccsCode = fields.String(
    validate=validate.Regexp(r"^\d{2,8}$", error=_l("ICCS codes are 2-8 digits.")))


# A database row id: positive and within a 32-bit column, so no lookup overflows.
ROW_ID = validate.Range(min=1, max=2**31 - 1)


class ListCategoryField(fields.Field):
    """A list category number (1-32) or its name; resolved by the service."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValidationError(_("A list category number or name."))
        return value


class StrictSchema(ApiSchema):
    class Meta:
        unknown = RAISE


class OffenceIn(StrictSchema):
    label = fields.String(required=True, validate=validate.Length(min=1, max=200))
    statute = fields.String(load_default="", validate=validate.Length(max=200))
    max_penalty_months = Penalty(load_default=None, allow_none=True)
    iccs = fields.List(IccsCode, load_default=list, validate=validate.Length(max=20))
    conduct = fields.String(load_default="", validate=validate.Length(max=5000))


class PersonIn(StrictSchema):
    role = fields.String(required=True, validate=validate.OneOf(list(PERSON_ROLES)))
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    date_of_birth = fields.Date(load_default=None, allow_none=True)
    nationality = fields.String(load_default="", validate=validate.Length(max=100))
    identifiers = fields.String(load_default="", validate=validate.Length(max=300))
    address = fields.String(load_default="", validate=validate.Length(max=1000))
    is_in_custody = fields.Boolean(load_default=False)


class CaseIn(StrictSchema):
    direction = fields.String(required=True, validate=validate.OneOf(list(DIRECTIONS)))
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)))
    counterpart_country = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z]{2}$", error=_l("An ISO 3166-1 alpha-2 code.")))
    legal_basis = fields.String(required=True, validate=validate.Length(min=1, max=20))
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    counterpart_reference = fields.String(load_default="", validate=validate.Length(max=100))
    counterpart_authority_id = fields.Integer(load_default=None, allow_none=True, strict=True,
                                              validate=ROW_ID)
    domestic_authority_id = fields.Integer(load_default=None, allow_none=True, strict=True,
                                           validate=ROW_ID)
    domestic_reference = fields.String(load_default="", validate=validate.Length(max=100))
    summary = fields.String(load_default="", validate=validate.Length(max=20000))
    urgent = fields.Boolean(load_default=False)
    urgency_reason = fields.String(load_default="", validate=validate.Length(max=300))
    offences = fields.List(fields.Nested(OffenceIn), load_default=list,
                           validate=validate.Length(max=30))
    measures = fields.List(fields.String(validate=validate.OneOf(list(MEASURES))),
                           load_default=list, validate=validate.Length(max=len(MEASURES)))
    persons = fields.List(fields.Nested(PersonIn), load_default=list,
                          validate=validate.Length(max=50))
    received_on = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "The day the request was received (default: today in the home "
                       "state's time zone); never after today."})


class OffencePatch(StrictSchema):
    """An offence in a correction: with ``id`` it changes that offence (fields left out
    stay), without it it is added. Offences of the request not listed are removed."""

    id = fields.Integer(strict=True, validate=ROW_ID, allow_none=True)
    label = fields.String(validate=validate.Length(min=1, max=200))
    statute = fields.String(validate=validate.Length(max=200))
    max_penalty_months = Penalty(allow_none=True)
    iccs = fields.List(IccsCode, validate=validate.Length(max=20))
    conduct = fields.String(validate=validate.Length(max=5000))


class PersonPatch(StrictSchema):
    """A person in a correction: with ``id`` it changes that person (fields left out
    stay), without it (then ``role`` and ``full_name`` are needed) it is added.
    Persons of the request not listed are removed."""

    id = fields.Integer(strict=True, validate=ROW_ID, allow_none=True)
    role = fields.String(validate=validate.OneOf(list(PERSON_ROLES)))
    full_name = fields.String(validate=validate.Length(min=1, max=200))
    date_of_birth = fields.Date(allow_none=True)
    nationality = fields.String(validate=validate.Length(max=100))
    identifiers = fields.String(validate=validate.Length(max=300))
    address = fields.String(validate=validate.Length(max=1000))
    is_in_custody = fields.Boolean()


class CasePatch(StrictSchema):
    """A correction: ``version`` as read, and only the fields that change."""

    version = fields.Integer(required=True, strict=True, validate=ROW_ID)
    title = fields.String(validate=validate.Length(min=1, max=300))
    summary = fields.String(validate=validate.Length(max=20000))
    counterpart_country = fields.String(validate=validate.Regexp(
        r"^[A-Za-z]{2}$", error=_l("An ISO 3166-1 alpha-2 code.")))
    counterpart_authority_id = fields.Integer(allow_none=True, strict=True, validate=ROW_ID)
    counterpart_reference = fields.String(validate=validate.Length(max=100))
    domestic_authority_id = fields.Integer(allow_none=True, strict=True, validate=ROW_ID)
    domestic_reference = fields.String(validate=validate.Length(max=100))
    legal_basis = fields.String(validate=validate.Length(min=1, max=20))
    urgent = fields.Boolean()
    urgency_reason = fields.String(validate=validate.Length(max=300))
    received_on = fields.Date(allow_none=True)
    offences = fields.List(fields.Nested(OffencePatch), validate=validate.Length(max=30))
    measures = fields.List(fields.String(validate=validate.OneOf(list(MEASURES))),
                           validate=validate.Length(max=len(MEASURES)))
    persons = fields.List(fields.Nested(PersonPatch), validate=validate.Length(max=50))


class ReopenIn(StrictSchema):
    version = fields.Integer(required=True, strict=True, validate=ROW_ID)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class CaseListArgs(ApiSchema):
    # A misspelt filter is refused (422 naming it), never silently ignored: a list
    # that ignored "kindd=extradition" would look filtered and be wrong.
    class Meta:
        unknown = RAISE

    state = fields.String(load_default="", validate=validate.Length(max=60))
    direction = fields.String(load_default="", validate=validate.OneOf(["", *DIRECTIONS]))
    kind = fields.String(load_default="", validate=validate.OneOf(["", *KINDS]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    # The list page's other filters (CONTRACT v1.1).
    q = fields.String(load_default="", validate=validate.Length(max=100))
    counterpart = fields.String(load_default="", validate=validate.Length(max=2))
    assignee = fields.String(load_default="", validate=validate.Length(max=12))
    urgent = fields.Boolean(load_default=False)
    overdue = fields.Boolean(load_default=False)
    open = fields.Boolean(load_default=False)
    sort = fields.String(load_default="newest", validate=validate.OneOf(
        ["newest", "oldest", "reference", "due", "updated"]))
    # The `next_cursor` of the previous page: the page after it, as fast at any depth
    # (keyset); its `total` is then exact only up to 1,000 (`total_is_exact`).
    cursor = fields.String(load_default="", validate=validate.Length(max=400))
    # The reports' filters: each report figure links to the requests it counts.
    from_ = fields.String(data_key="from", load_default="", metadata={
        "description": "Registered on or after this day (YYYY-MM-DD, home state's zone)."})
    to = fields.String(load_default="", metadata={
        "description": "Registered on or before this day (YYYY-MM-DD)."})
    legal_basis = fields.String(load_default="", validate=validate.Length(max=20))
    measure = fields.String(load_default="", metadata={
        "description": "Asking for this measure (its code)."})
    iccs = fields.String(load_default="", metadata={
        "description": "With an offence in this ICCS section (two digits)."})
    counterpart_authority = fields.String(load_default="", metadata={
        "description": "The counterpart authority's id, or `none`."})
    closed_from = fields.String(load_default="", metadata={
        "description": "Closed (a step into a final state) on or after this day."})
    closed_to = fields.String(load_default="", metadata={
        "description": "Closed on or before this day."})
    outcome = fields.String(load_default="", metadata={
        "description": "With closed_from/closed_to: the final state(s) it closed into, "
                       "comma-separated."})
    ground = fields.String(load_default="", metadata={
        "description": "With closed_from/closed_to: the refusal ground it recorded last."})
    open_at = fields.String(load_default="", metadata={
        "description": "Open at the end of this day, by its history."})
    open_state = fields.String(load_default="", metadata={
        "description": "With open_at: the state(s) it was then in, comma-separated."})
    age = fields.String(load_default="", metadata={
        "description": "With open_at: days since registration on that day "
                       "(0-30, 31-90, 91-180, 181-365, 365+)."})


class OffenceOut(Schema):
    id = fields.Integer()
    label = fields.String()
    statute = fields.String()
    max_penalty_months = Penalty(allow_none=True)
    iccs = fields.List(fields.String(), attribute="iccs_codes")
    conduct = fields.String()


class PersonOut(Schema):
    id = fields.Integer()
    role = fields.String()
    full_name = fields.String()
    date_of_birth = fields.String()
    nationality = fields.String()
    identifiers = fields.String()
    address = fields.String()
    is_in_custody = fields.Boolean()


class DeadlineOut(Schema):
    name = fields.String()
    due_at = fields.DateTime()
    status = fields.String()


class HistoryOut(Schema):
    transition = fields.String(allow_none=True)
    from_ = fields.String(data_key="from", attribute="from_state", allow_none=True)
    to = fields.String(attribute="to_state", allow_none=True)
    at = fields.DateTime()
    actor = fields.String(attribute="actor_label")


class LinkOut(Schema):
    reference = fields.String()
    reason = fields.String(metadata={"description": "identifier, name_and_date_of_birth, "
                                                    "counterpart_reference or name"})
    status = fields.String(metadata={"description": "possible or confirmed"})


class CaseOut(Schema):
    reference = fields.String()
    direction = fields.String()
    kind = fields.String()
    state = fields.String()
    version = fields.Integer()
    counterpart_country = fields.String()
    legal_basis = fields.String()
    title = fields.String()
    created_at = fields.DateTime()
    counterpart_reference = fields.String()
    urgent = fields.Boolean(attribute="is_urgent")
    urgency_reason = fields.String()
    summary = fields.String()
    is_closed = fields.Boolean()
    received_on = fields.Date(allow_none=True)
    counterpart_authority_id = fields.Integer(allow_none=True)
    domestic_authority_id = fields.Integer(allow_none=True)
    domestic_reference = fields.String()
    offences = fields.List(fields.Nested(OffenceOut))
    persons = fields.List(fields.Nested(PersonOut))
    measures = fields.List(fields.String())
    deadlines = fields.List(fields.Nested(DeadlineOut))
    history = fields.List(fields.Nested(HistoryOut))
    links = fields.List(fields.Nested(LinkOut))


class CasePageOut(Schema):
    items = fields.List(fields.Nested(CaseOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    total_is_exact = fields.Boolean()
    next_cursor = fields.String(allow_none=True)


class HealthOut(Schema):
    status = fields.String(required=True)


class ErrorBody(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    details = fields.Raw(allow_none=True)


class ErrorOut(Schema):
    """Every error answer: {"error": {"code", "message", "details"}}."""

    error = fields.Nested(ErrorBody, required=True)


def load_or_422(schema: Schema, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", _("The body must be a JSON object."))
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ApiError(422, "invalid", _("The request is not valid."),
                       in_words(exc.messages)) from None
