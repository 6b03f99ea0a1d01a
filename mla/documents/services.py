"""Storing and finding documents. Services take an explicit actor and flush."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, select

from mla.audit.services import record_audit
from mla.auth.actors import Actor
from mla.auth.models import User
from mla.cases.models import Case, CaseEvent
from mla.cases.queries import visible_cases
from mla.cases.services import add_event
from mla.core.errors import NotFound, ServiceError
from mla.documents import storage
from mla.documents.models import (
    DOCUMENT_TYPES,
    MAX_DOCUMENT_BYTES,
    TYPES_NEEDING_TRANSLATION,
    VISIBILITIES,
    Document,
    DocumentType,
    Visibility,
)
from mla.extensions import db

# Extension -> (content type, magic-number check). The type comes from this
# table after the content has been checked, never from what the browser said.
ALLOWED_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "txt": "text/plain",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}
_MAGIC: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "docx": (b"PK\x03\x04",),
    "odt": (b"PK\x03\x04",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}
# Roles that see every document of a request they can see; others see shared ones only.
FULL_VIEW_ROLES = frozenset({"admin", "supervisor", "caseworker", "trainee", "auditor"})


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def _invalid(message: str) -> ServiceError:
    return ServiceError(message, code="invalid", details={"field": "file"})


def clean_filename(name: str) -> str:
    """A display name without paths or control characters (the stored file is named by uid)."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip(" .")
    return name[-200:] or "document"


def check_upload(upload: Upload) -> tuple[str, str]:
    """(clean file name, content type) or ServiceError: size, allow-list, content check."""
    filename = clean_filename(upload.filename)
    size = len(upload.data)
    if size == 0:
        raise _invalid(_("The file %(name)s is empty.", name=filename))
    if size > MAX_DOCUMENT_BYTES:
        raise _invalid(_("The file %(name)s is larger than %(mb)d MB.", name=filename,
                         mb=MAX_DOCUMENT_BYTES // (1024 * 1024)))
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in ALLOWED_TYPES:
        raise _invalid(_("Files of this type are not accepted; send PDF, DOCX, ODT, TXT, PNG "
                         "or JPEG."))
    magic = _MAGIC.get(extension)
    if magic and not upload.data.startswith(magic):
        raise _invalid(_("The file %(name)s is not a valid %(ext)s file.", name=filename,
                         ext=extension.upper()))
    if extension == "txt":
        try:
            text = upload.data.decode("utf-8")
        except UnicodeDecodeError:
            raise _invalid(_("A text file must be UTF-8 text.")) from None
        if "\x00" in text:
            raise _invalid(_("A text file must be UTF-8 text."))
    return filename, ALLOWED_TYPES[extension]


@dataclass(frozen=True)
class DocumentFacts:
    """What a document is: its type, its language, what it translates, when its
    translation is due. Checked by ``check_facts``."""

    doc_type: str = DocumentType.ANNEX
    language: str = ""
    translation_of_id: int | None = None
    translation_due_on: date | None = None


_LANGUAGE_CODE = re.compile(r"[a-z]{2}")


def _refuse(message: str, field: str) -> ServiceError:
    return ServiceError(message, code="invalid", details={"field": field})


def check_facts(case: Case, facts: DocumentFacts) -> Document | None:
    """The translated document (for a translation), or ServiceError naming the field."""
    if facts.doc_type not in DOCUMENT_TYPES:
        raise _refuse(_("Choose one of the document types offered."), "doc_type")
    if facts.language and not _LANGUAGE_CODE.fullmatch(facts.language):
        raise _refuse(_("Give the language as a two-letter ISO 639-1 code, such as fr."),
                      "language")
    if facts.doc_type != DocumentType.TRANSLATION:
        if facts.translation_of_id is not None:
            raise _refuse(_("Only a translation translates another document."),
                          "translation_of")
        return None
    if not facts.language:
        raise _refuse(_("Say which language the translation is in."), "language")
    if facts.translation_of_id is None:
        raise _refuse(_("Choose the document this translates."), "translation_of")
    original = db.session.get(Document, facts.translation_of_id)
    if original is None or original.case_id != case.id:
        raise _refuse(_("Choose a document of this request."), "translation_of")
    if original.language and original.language == facts.language:
        raise _refuse(_("The translation is in the language of the document it translates."),
                      "language")
    return original


def store_document(actor: Actor, case: Case, upload: Upload, *, visibility: str = "internal",
                   event: CaseEvent | None = None, doc_type: str = DocumentType.ANNEX,
                   language: str = "", translation_of: Document | None = None,
                   translation_due_on: date | None = None) -> Document:
    if visibility not in VISIBILITIES:
        raise ServiceError(_("Unknown visibility."), code="invalid",
                           details={"field": "visibility"})
    filename, content_type = check_upload(upload)
    document = Document(
        case_id=case.id, filename=filename, content_type=content_type,
        size_bytes=len(upload.data), sha256=hashlib.sha256(upload.data).hexdigest(),
        visibility=Visibility(visibility), uploaded_by_id=getattr(actor, "id", None),
        doc_type=DocumentType(doc_type), language=language,
        translation_of_id=translation_of.id if translation_of is not None else None,
        translation_due_on=translation_due_on,
    )
    if event is not None:
        db.session.flush()  # the event needs its id
        document.event_id = event.id
    db.session.add(document)
    db.session.flush()
    # Part of this unit of work: a rollback leaves no content behind in either store.
    storage.write_content(document.id, document.uid, upload.data)
    record_audit(actor, "document.store", case, document_id=document.id,
                 visibility=visibility, size=document.size_bytes, doc_type=doc_type,
                 language=language, sha256=document.sha256)
    return document


def upload_document(actor: Actor, case: Case, upload: Upload, *, visibility: str,
                    facts: DocumentFacts | None = None) -> Document:
    """A staff upload: the document and its timeline entry (nothing written if refused)."""
    facts = facts or DocumentFacts()
    check_upload(upload)
    original = check_facts(case, facts)
    event = add_event(case, actor, "document", comment="",
                      data={"label": "Document added", "visibility": visibility},
                      is_internal=visibility == Visibility.INTERNAL)
    document = store_document(actor, case, upload, visibility=visibility, event=event,
                              doc_type=facts.doc_type, language=facts.language,
                              translation_of=original,
                              translation_due_on=facts.translation_due_on)
    # The id only: the file's name is sealed with the document (the timeline looks it up).
    event.data = {**event.data, "document_id": document.id}
    return document


@dataclass(frozen=True)
class TranslationNeed:
    document: Document
    languages: tuple[str, ...]  # any one of them will do (the counterpart accepts each)
    due_on: date | None


def counterpart_languages(case: Case) -> tuple[str, ...]:
    authority = case.counterpart_authority
    return tuple(x.lower() for x in (authority.languages if authority else []) if x)


def translation_needs(documents: Sequence[Document], case: Case) -> list[TranslationNeed]:
    """The documents (of those given) the counterpart cannot read yet: a request, annex,
    supplementary information or letter neither written in a language it accepts nor
    translated into one. Empty when its languages are not known."""
    accepted = counterpart_languages(case)
    if not accepted:
        return []
    translated = {d.translation_of_id for d in documents
                  if d.doc_type == DocumentType.TRANSLATION and d.language in accepted}
    return [TranslationNeed(d, accepted, d.translation_due_on) for d in documents
            if d.doc_type in TYPES_NEEDING_TRANSLATION and d.language not in accepted
            and d.id not in translated]


def _visible_documents(actor: User) -> Select[Document]:
    stmt = select(Document).join(Case, Case.id == Document.case_id).where(
        Case.id.in_(visible_cases(actor).with_only_columns(Case.id).scalar_subquery()))
    if getattr(actor, "role", None) not in FULL_VIEW_ROLES:
        stmt = stmt.where(Document.visibility == Visibility.SHARED)
    return stmt


def documents_for(actor: User, case: Case) -> Sequence[Document]:
    """The documents of a request the actor may see, oldest first."""
    stmt = _visible_documents(actor).where(Document.case_id == case.id)
    return db.session.scalars(stmt.order_by(Document.created_at, Document.id)).all()


def get_document_for(actor: User, document_id: int) -> Document:
    """A document the actor may see, or NotFound (the same for missing and forbidden)."""
    document = db.session.scalar(_visible_documents(actor).where(Document.id == document_id))
    if document is None:
        raise NotFound(_("No document with that number is available to you."))
    return document


def read_document(actor: User, document: Document) -> bytes:
    """A document's content for ``actor`` (who may see it: see get_document_for); audited."""
    data = document_content(document)
    record_audit(actor, "document.download", document.case, document_id=document.id)
    return data


def document_content(document: Document) -> bytes:
    data = storage.read_content(document.id, document.uid)
    if hashlib.sha256(data).hexdigest() != document.sha256:
        raise ServiceError(_("The stored document is damaged."), code="damaged", status=500)
    return data
