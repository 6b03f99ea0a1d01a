"""Generated documents: the outgoing MLA request (every element of UNTOC art. 18(15), in
order) and letters to the counterpart, as DOCX and PDF on the authority's letterhead.

A request's text is drafted from the request's data in the language the counterpart
accepts, edited by the caseworker (each save names the version it edits: two people never
save over each other), and frozen on approval, when the DOCX and PDF are generated and
stored as documents with their SHA-256. A letter's text is the one approved in the letter
queue (mla.notifications.letters); its files are generated when it is approved.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import Any

from babel import Locale, UnknownLocaleError
from flask_babel import force_locale, pgettext
from flask_babel import gettext as _
from sqlalchemy import select, update

from mla.audit.services import record_audit
from mla.auth.actors import Actor
from mla.auth.models import User
from mla.cases.constants import MEASURES, PERSON_ROLES
from mla.cases.models import Case
from mla.cases.services import add_event
from mla.core.clock import now
from mla.core.display import country_name, long_date
from mla.core.errors import ServiceError
from mla.core.remembered import remembered_get
from mla.documents.generation import Section, Sheet, render_docx, render_pdf
from mla.documents.letterhead import current_letterhead, logo_bytes
from mla.documents.models import (
    Composition,
    CompositionKind,
    CompositionStatus,
    Document,
    DocumentType,
)
from mla.documents.services import Upload, store_document
from mla.extensions import db
from mla.notifications.models import Letter
from mla.reference.models import Country
from mla.settings import SUPPORTED_LOCALES, current_settings

REQUEST_KEYS = ("a", "b", "c", "d", "e", "f")
APPROVER_ROLES = frozenset({"supervisor", "admin"})
EDITOR_ROLES = frozenset({"caseworker", "supervisor", "admin"})
MAX_SECTION_CHARS = 20_000
# The elements of a request: UNTOC art. 18(15); UNCAC art. 46(15) has the same six.
ARTICLES = {"UNCAC": "UNCAC art. 46(15)"}
DEFAULT_ARTICLE = "UNTOC art. 18(15)"


@contextmanager
def _in(language: str) -> Iterator[None]:
    """Words in the document's language (the interface's catalogue for that language)."""
    with force_locale(language if language in SUPPORTED_LOCALES else "en"):
        yield


def _article(case: Case) -> str:
    return ARTICLES.get(case.legal_basis, DEFAULT_ARTICLE)


def request_headings(case: Case, language: str) -> dict[str, str]:
    """The six headings, each citing its paragraph, in ``language``."""
    article = _article(case)
    with _in(language):
        return {
            "a": _("(a) The authority making the request (%(article)s(a))", article=article),
            "b": _("(b) Subject matter and nature of the investigation, prosecution or "
                   "judicial proceeding, and the authority conducting it (%(article)s(b))",
                   article=article),
            "c": _("(c) Summary of the relevant facts (%(article)s(c))", article=article),
            "d": _("(d) Assistance sought and any particular procedure to be followed "
                   "(%(article)s(d))", article=article),
            "e": _("(e) Identity, location and nationality of the persons concerned "
                   "(%(article)s(e))", article=article),
            "f": _("(f) Purpose for which the evidence, information or action is sought "
                   "(%(article)s(f))", article=article),
        }


def language_name(code: str, in_language: str) -> str:
    try:
        return Locale.parse(in_language).languages.get(code, code)
    except (UnknownLocaleError, ValueError):
        return code


def _home_country(language: str) -> str:
    code = current_settings().home_country
    home = remembered_get(Country, code)
    return country_name(code, language, stored=home.name if home else "")


def _authority_name(language: str) -> str:
    letterhead = current_letterhead()
    if letterhead.authority_name:
        return letterhead.authority_name
    with _in(language):
        # The home state is named where any name fits as it comes, with no article,
        # elision or case to agree ("Autorité centrale de Allemagne", "Central authority
        # of United States" did not), as the letters name it (docs/languages.md).
        # TRANSLATORS: a signature line: the authority, then the home state's name as it
        # comes. Reorder or change the comma as the language needs: "%(authority)s،
        # %(country)s", "%(country)s%(authority)s", "%(authority)s: %(country)s".
        return pgettext("signature", "%(authority)s, %(country)s",
                        authority=_("Central authority"), country=_home_country(language))


def _request_texts(case: Case, language: str) -> dict[str, str]:
    """The first draft of each element, from the request's data, in ``language``."""
    letterhead = current_letterhead()
    domestic = case.domestic_authority
    with _in(language):
        a = [_authority_name(language)]
        if letterhead.address:
            a.append(letterhead.address)
        if domestic is not None:
            a.append(_("On behalf of: %(authority)s", authority=domestic.name))

        b = [case.title]
        for offence in case.offences:
            line = offence.label + (f" ({offence.statute})" if offence.statute else "")
            if offence.max_penalty_months:
                line += " – " + _("maximum penalty: %(months)d months",
                                  months=offence.max_penalty_months)
            b.append("- " + line)
        if domestic is not None:
            conducted = _("Conducted by: %(authority)s", authority=domestic.name)
            if case.domestic_reference:
                conducted += " " + _("(reference %(reference)s)",
                                     reference=case.domestic_reference)
            b.append(conducted)

        if case.measures and all(m.code == "service_of_documents" for m in case.measures):
            c = [_("Not required: the request is for the service of judicial documents "
                   "only.")]
        else:
            c = [text for text in [case.summary, *(o.conduct for o in case.offences)] if text]

        d = []
        for measure in case.measures:
            label = str(MEASURES.get(measure.code, measure.code))
            d.append("- " + label + (f": {measure.details}" if measure.details else ""))

        e = []
        for person in case.persons:
            values = person.decrypted()
            parts = [values["full_name"], str(PERSON_ROLES.get(person.role, person.role))]
            if values.get("date_of_birth"):
                parts.append(_("born %(date)s", date=values["date_of_birth"]))
            if values.get("nationality"):
                parts.append(_("nationality: %(nationality)s",
                               nationality=values["nationality"]))
            if values.get("address"):
                parts.append(_("location: %(address)s", address=values["address"]))
            e.append("- " + "; ".join(parts))
        if not e:
            e = [_("No person is named.")]

        f = [_("The evidence, information or action is sought for use in the criminal "
               "proceedings described under (b): %(title)s.", title=case.title)]
    return {key: "\n".join(lines) for key, lines in zip(REQUEST_KEYS, (a, b, c, d, e, f),
                                                          strict=True)}


def suggested_language(case: Case) -> tuple[str, bool]:
    """(language, is a translation needed): the first language the counterpart accepts
    that Comity writes (en, fr, es, ru, ar, zh); else English, to be translated."""
    accepted = [x.lower() for x in (case.counterpart_authority.languages
                                    if case.counterpart_authority else [])]
    for language in accepted:
        if language in SUPPORTED_LOCALES:
            return language, False
    return "en", bool(accepted)


def request_composition(case: Case) -> Composition | None:
    return db.session.scalar(select(Composition).where(
        Composition.case_id == case.id, Composition.kind == CompositionKind.REQUEST))


def start_request(actor: User, case: Case, *, language: str | None = None) -> Composition:
    """The request's draft (made from its data the first time). Outgoing MLA only."""
    if case.direction != "outgoing" or case.kind != "mla":
        raise ServiceError(_("A request document is drafted for outgoing MLA requests."),
                           code="invalid")
    existing = request_composition(case)
    if existing is not None:
        return existing
    chosen = (language or suggested_language(case)[0]).lower()
    if chosen not in SUPPORTED_LOCALES:
        raise ServiceError(_("Choose one of the languages offered."), code="invalid",
                           details={"field": "language"})
    accepted = [x.lower() for x in (case.counterpart_authority.languages
                                    if case.counterpart_authority else [])]
    headings = request_headings(case, chosen)
    texts = _request_texts(case, chosen)
    with _in(chosen):
        title = _("Request for mutual legal assistance")
    composition = Composition(
        case_id=case.id, kind=CompositionKind.REQUEST, language=chosen, title=title,
        sections=[{"key": k, "heading": headings[k], "text": texts[k]} for k in REQUEST_KEYS],
        is_translation_needed=bool(accepted) and chosen not in accepted,
        status=CompositionStatus.DRAFT, version=1, created_at=now(), created_by_id=actor.id,
        updated_at=now(), updated_by_id=actor.id)
    db.session.add(composition)
    db.session.flush()
    record_audit(actor, "composition.start", case, composition_id=composition.id,
                 language=chosen)
    return composition


def _refuse_frozen(composition: Composition) -> None:
    if not composition.is_draft:
        raise ServiceError(_("This document was approved: its text is frozen."),
                           code="frozen", status=409)


def edit_composition(actor: User, composition: Composition, *, version: int, title: str,
                     texts: Mapping[str, str]) -> Composition:
    """Save the caseworker's text. 409 when it was approved meanwhile or someone saved a
    newer version (``version`` is the one the editor started from)."""
    _refuse_frozen(composition)
    if actor.role not in EDITOR_ROLES:
        raise ServiceError(_("Your role may not edit this document."), code="forbidden",
                           status=403)
    title = " ".join((title or "").split())
    if not title:
        raise ServiceError(_("Give the document a title."), code="invalid",
                           details={"field": "title"})
    sections = []
    for section in composition.sections:
        text = texts.get(section["key"], section["text"])
        text = (text or "").replace("\r\n", "\n").strip()
        if len(text) > MAX_SECTION_CHARS:
            raise ServiceError(_("A section may hold at most %(n)d characters.",
                                 n=MAX_SECTION_CHARS), code="invalid",
                               details={"field": f"section_{section['key']}"})
        sections.append({**section, "text": text})
    # One conditional UPDATE: a draft saved or approved since the editor loaded it wins.
    result = db.session.execute(
        update(Composition)
        .where(Composition.id == composition.id, Composition.version == version,
               Composition.status == CompositionStatus.DRAFT)
        .values(title=title[:300], sections=sections, version=Composition.version + 1,
                updated_at=now(), updated_by_id=actor.id)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.refresh(composition)
        _refuse_frozen(composition)
        raise ServiceError(_("Someone saved this text since you opened it: reload the page "
                             "and make your changes again."), code="conflict", status=409)
    db.session.refresh(composition)
    record_audit(actor, "composition.edit", composition.case, composition_id=composition.id,
                 version=composition.version)
    return composition


def approval_refusal(actor: Actor, composition: Composition) -> str | None:
    if not isinstance(actor, User) or actor.role not in APPROVER_ROLES:
        return _("A supervisor approves the request document.")
    if composition.updated_by_id == actor.id:
        return _("You last edited this text: someone else approves it (four eyes).")
    return None


def _their_reference(case: Case) -> str:
    return case.counterpart_reference or "—"


def build_sheet(composition: Composition, *, on: date) -> Sheet:
    case = composition.case
    language = composition.language
    letterhead = current_letterhead()
    authority = case.counterpart_authority
    recipient: list[str] = []
    if authority is not None:
        recipient = [authority.name, *authority.address.splitlines()]
    recipient.append(country_name(case.counterpart_country, language,
                                  stored=case.country.name if case.country else ""))
    with _in(language):
        references = [(_("Our reference"), case.reference),
                      (_("Your reference"), _their_reference(case))]
        signature_label = _("Signature")
    return Sheet(
        language=language, authority_name=_authority_name(language),
        authority_address=letterhead.address, date_line=long_date(on, language),
        references=references, recipient=recipient, title=composition.title,
        sections=[Section(s.get("heading", ""), s.get("text", ""))
                  for s in composition.sections],
        signatory_name=letterhead.signatory_name, signatory_title=letterhead.signatory_title,
        signature_label=signature_label, footer=case.reference, logo=logo_bytes(letterhead))


def _file_name(composition: Composition, extension: str) -> str:
    stem = ("request" if composition.kind == CompositionKind.REQUEST
            else f"letter-{composition.letter_id}")
    return f"{composition.case.reference}-{stem}-{composition.language}.{extension}"


def _freeze(actor: Actor, composition: Composition, approver: User | None) -> None:
    """Generate the files, store them as documents, and mark the text approved."""
    sheet = build_sheet(composition, on=now().date())
    doc_type = (DocumentType.REQUEST if composition.kind == CompositionKind.REQUEST
                else DocumentType.LETTER)
    stored: dict[str, Document] = {}
    for extension, data in (("docx", render_docx(sheet)), ("pdf", render_pdf(sheet))):
        stored[extension] = store_document(
            actor, composition.case, Upload(_file_name(composition, extension), data),
            doc_type=doc_type, language=composition.language)
    composition.docx_document_id = stored["docx"].id
    composition.pdf_document_id = stored["pdf"].id
    composition.status = CompositionStatus.APPROVED
    composition.approved_at = now()
    composition.approved_by_id = approver.id if approver is not None else None
    db.session.flush()
    record_audit(actor, "composition.approve", composition.case,
                 composition_id=composition.id, kind=composition.kind,
                 docx_sha256=stored["docx"].sha256, pdf_sha256=stored["pdf"].sha256)


def approve_composition(actor: User, composition: Composition, *, version: int
                        ) -> Composition:
    """Freeze the text as it stands at ``version`` and keep its DOCX and PDF."""
    _refuse_frozen(composition)
    refusal = approval_refusal(actor, composition)
    if refusal:
        raise ServiceError(refusal, code="four_eyes", status=403)
    claimed = db.session.execute(
        update(Composition)
        .where(Composition.id == composition.id, Composition.version == version,
               Composition.status == CompositionStatus.DRAFT)
        .values(version=Composition.version + 1)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.refresh(composition)
        _refuse_frozen(composition)
        raise ServiceError(_("The text changed since you opened it: read it again before "
                             "approving."), code="conflict", status=409)
    db.session.refresh(composition)
    _freeze(actor, composition, actor)
    add_event(composition.case, actor, "document", comment="", is_internal=True,
              data={"label": "Request document approved", "composition_id": composition.id,
                    "document_id": composition.pdf_document_id})
    return composition


def letter_composition(letter: Letter) -> Composition | None:
    return db.session.scalar(select(Composition).where(Composition.letter_id == letter.id))


def compose_letter(actor: Actor, letter: Letter, approver: User | None) -> Composition:
    """The approved letter as DOCX and PDF on the letterhead (idempotent)."""
    existing = letter_composition(letter)
    if existing is not None:
        return existing
    composition = Composition(
        case_id=letter.case_id, kind=CompositionKind.LETTER, letter_id=letter.id,
        language=letter.language, title=letter.subject,
        sections=[{"key": "body", "heading": "", "text": letter.body}],
        is_translation_needed=letter.is_translation_needed,
        status=CompositionStatus.DRAFT, version=1, created_at=now(),
        created_by_id=letter.created_by_id, updated_at=now(),
        updated_by_id=letter.created_by_id)
    db.session.add(composition)
    db.session.flush()
    _freeze(actor, composition, approver)
    return composition


def compositions_of(case: Case) -> list[Composition]:
    return list(db.session.scalars(select(Composition).where(Composition.case_id == case.id)
                                   .order_by(Composition.id)))


def section_fields(composition: Composition) -> list[dict[str, Any]]:
    return [dict(s) for s in composition.sections]
