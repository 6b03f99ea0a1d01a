"""JSON API v1 (CONTRACT.md). Token-only, CSRF-exempt by explicit choice."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from mla.api.blueprint import CASE_READERS, bp, json_body
from mla.api.schemas import CaseIn, CaseListArgs, CaseOut, load_or_422
from mla.audit.services import record_consultation
from mla.cases.editing import received_at_for
from mla.cases.models import Case
from mla.cases.queries import BadCursor, CaseFilters, case_page, get_case_for
from mla.cases.serializers import case_history, histories_by_case, preload_for_payload
from mla.cases.services import CaseInput, OffenceInput, PersonInput, register_case
from mla.cases.validation import received_date_not_in_future
from mla.core.access import STAFF, allow, public
from mla.core.errors import ApiError
from mla.deadlines.serializers import case_deadlines, deadlines_by_case
from mla.extensions import db
from mla.persons.services import links_by_case, links_payload
from mla.portal.serializers import restrict_payload

# One instance for every row: building a Schema deep-copies its declared fields and
# nested schemas, which cost more than dumping a row (a list page dumps fifty).
# Dumping keeps no state on the instance, so sharing it between threads is safe.
_CASE_OUT = CaseOut()


def case_payload(case: Case, deadlines: list[dict[str, Any]] | None = None,
                 links: list[dict[str, str]] | None = None,
                 history: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The API's case object; a list passes each row's ``deadlines``, ``links`` and
    ``history``, loaded for the page."""
    if history is None:
        history = case_history(case)
    if deadlines is None:
        deadlines = case_deadlines(case)
    if links is None:
        links = links_payload(current_user, case)
    data = {
        "reference": case.reference, "direction": case.direction, "kind": case.kind,
        "state": case.state, "version": case.version,
        "counterpart_country": case.counterpart_country, "legal_basis": case.legal_basis,
        "title": case.title, "created_at": case.created_at,
        "counterpart_reference": case.counterpart_reference, "is_urgent": case.is_urgent,
        "urgency_reason": case.urgency_reason, "summary": case.summary,
        "is_closed": case.is_closed,
        "received_on": case.received_at.date() if case.received_at else None,
        "counterpart_authority_id": case.counterpart_authority_id,
        "domestic_authority_id": case.domestic_authority_id,
        "domestic_reference": case.domestic_reference,
        "persons": [{"id": p.id, "role": p.role, "is_in_custody": p.is_in_custody,
                     **p.decrypted()} for p in case.persons],
        "offences": case.offences, "measures": [m.code for m in case.measures],
        "deadlines": deadlines, "history": history, "links": links,
    }
    # Per-role field allow-lists (the portal's).
    return _CASE_OUT.dump(restrict_payload(current_user, case, data))


@bp.route("/health")
@public
def health() -> ResponseReturnValue:
    """Liveness: the app answers and reaches its database.
    ---
    get:
      tags: [meta]
      responses:
        200:
          description: Up.
          content:
            application/json:
              schema: HealthOut
        503:
          description: The database cannot be reached.
          content:
            application/json:
              schema: Error
    """
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        raise ApiError(503, "unavailable", _("The database cannot be reached.")) from None
    return jsonify({"status": "ok"})


@bp.route("/cases", methods=["POST"])
@allow(*STAFF)
def create_case() -> ResponseReturnValue:
    """Register a request.
    ---
    post:
      tags: [cases]
      requestBody:
        required: true
        content:
          application/json:
            schema: CaseIn
      responses:
        201:
          description: The registered request.
          content:
            application/json:
              schema: CaseOut
    """
    data = load_or_422(CaseIn(), json_body())
    case_input = CaseInput(
        direction=data["direction"], kind=data["kind"],
        counterpart_country=data["counterpart_country"].upper(),
        legal_basis=data["legal_basis"], title=data["title"],
        counterpart_reference=data["counterpart_reference"],
        counterpart_authority_id=data["counterpart_authority_id"],
        domestic_authority_id=data["domestic_authority_id"],
        domestic_reference=data["domestic_reference"], summary=data["summary"],
        is_urgent=data["urgent"], urgency_reason=data["urgency_reason"],
        received_at=received_at_for(received_date_not_in_future(data["received_on"])),
        offences=[OffenceInput(label=o["label"], statute=o["statute"],
                               max_penalty_months=o["max_penalty_months"], iccs=o["iccs"],
                               conduct=o["conduct"]) for o in data["offences"]],
        measures=data["measures"],
        persons=[PersonInput(role=p["role"], full_name=p["full_name"],
                             date_of_birth=p["date_of_birth"].isoformat()
                             if p["date_of_birth"] else "",
                             nationality=p["nationality"], identifiers=p["identifiers"],
                             address=p["address"], is_in_custody=p["is_in_custody"])
                 for p in data["persons"]],
    )
    case = register_case(current_user, case_input)
    response = jsonify(case_payload(case))
    response.status_code = 201
    response.headers["Location"] = f"{bp.url_prefix}/cases/{case.reference}"
    return response


@bp.route("/cases", methods=["GET"])
@allow(*CASE_READERS)
def list_cases() -> ResponseReturnValue:
    """List the requests visible to the token's user, newest first.
    ---
    get:
      tags: [cases]
      parameters:
        - in: query
          schema: CaseListArgs
      responses:
        200:
          description: One page of requests.
          content:
            application/json:
              schema: CasePageOut
    """
    args = load_or_422(CaseListArgs(), request.args.to_dict())
    # Validated above (a 422 names a bad argument); read by the one parser the page and
    # the exports use, so a filter cannot mean one thing here and another there.
    filters = CaseFilters.from_args(request.args)
    try:
        # By page number the total stays exact (CONTRACT v1); by cursor it is bounded.
        page = case_page(current_user, filters, args["page"], args["per_page"],
                         exact_total=not args["cursor"], cursor=args["cursor"] or None)
    except BadCursor:
        raise ApiError(422, "invalid", _("Unknown cursor: pass a next_cursor this list gave."),
                       details={"field": "cursor"}) from None
    preload_for_payload(page.items)
    deadlines = deadlines_by_case(page.items)
    links = links_by_case(current_user, page.items)
    histories = histories_by_case(page.items)
    return jsonify({"items": [case_payload(c, deadlines[c.id], links[c.id], histories[c.id])
                              for c in page.items],
                    "page": page.page, "per_page": page.per_page, "total": page.total,
                    "total_is_exact": page.is_exact, "next_cursor": page.next_cursor})


@bp.route("/cases/<reference>", methods=["GET"])
@allow(*CASE_READERS)
def get_case(reference: str) -> ResponseReturnValue:
    """One request, as the token's user may see it.
    ---
    get:
      tags: [cases]
      responses:
        200:
          description: The request.
          content:
            application/json:
              schema: CaseOut
    """
    case = get_case_for(current_user, reference)
    record_consultation(current_user, case, channel="api")
    return jsonify(case_payload(case))
