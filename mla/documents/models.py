"""Documents attached to a request; the content is stored encrypted (mla.documents.storage):
in ``document_contents`` by default, or as files under ``instance/documents/``."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mla.core.clock import now
from mla.core.crypto import SealedJSON, SealedText
from mla.core.db import StrEnumType, UTCDateTime
from mla.extensions import Model


class Visibility(StrEnum):
    INTERNAL = "internal"  # the central authority's own staff
    SHARED = "shared"      # also the prosecutors' portal


VISIBILITIES = tuple(v.value for v in Visibility)


class DocumentType(StrEnum):
    REQUEST = "request"
    ANNEX = "annex"
    SUPPLEMENTARY = "supplementary"  # supplementary information
    TRANSLATION = "translation"
    EVIDENCE = "evidence"
    DECISION = "decision"
    LETTER = "letter"


DOCUMENT_TYPES = tuple(t.value for t in DocumentType)
# Types whose text the counterpart must be able to read (UNTOC art. 18(14)): each needs a
# translation into the counterpart's language unless it is already written in it.
TYPES_NEEDING_TRANSLATION = frozenset({DocumentType.REQUEST, DocumentType.ANNEX,
                                       DocumentType.SUPPLEMENTARY, DocumentType.LETTER})
# 20 MiB: below the app-wide request limit, so the form can say what went wrong.
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


class Document(Model):
    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint("visibility IN ('internal', 'shared')", name="visibility_known"),
        CheckConstraint(f"size_bytes > 0 AND size_bytes <= {MAX_DOCUMENT_BYTES}",
                        name="size_in_range"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
        CheckConstraint("doc_type IN ('request', 'annex', 'supplementary', 'translation', "
                        "'evidence', 'decision', 'letter')", name="doc_type_known"),
        # A translation names the document it translates; nothing else does.
        CheckConstraint("translation_of_id IS NULL OR doc_type = 'translation'",
                        name="only_translations_translate"),
        Index("ix_documents_case_visibility", "case_id", "visibility"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Names the stored file; never derived from the user's file name.
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: uuid.uuid4().hex)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    # The timeline entry the document came with (an answer, a letter), if any.
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_events.id", ondelete="SET NULL"), index=True)
    # Sealed: the uploaded file's name, often the person's ("passport_<name>"). Read whole
    # by the pages, downloads and packages; never filtered, sorted or searched in SQL.
    filename: Mapped[str] = mapped_column(SealedText("documents.filename"))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # internal: central-authority staff only; shared: also the domestic authority.
    visibility: Mapped[Visibility] = mapped_column(StrEnumType(Visibility, 10),
                                                   default=Visibility.INTERNAL)
    doc_type: Mapped[DocumentType] = mapped_column(StrEnumType(DocumentType, 20),
                                                   default=DocumentType.ANNEX)
    # ISO 639-1 code; "" where nobody said (documents stored before types existed).
    language: Mapped[str] = mapped_column(String(8), default="")
    # No ON DELETE: documents go only with their request, all at once (and SQLite's
    # reflection of a column added by ALTER TABLE would not show one).
    translation_of_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"),
                                                          index=True)
    # By when its translation into the counterpart's language is due, when one is set.
    translation_due_on: Mapped[date | None] = mapped_column(Date)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    case = relationship("Case")
    uploaded_by = relationship("User")
    translation_of = relationship("Document", remote_side=[id])

    @property
    def is_shared(self) -> bool:
        return self.visibility == Visibility.SHARED


class DocumentContent(Model):
    """A document's sealed bytes (MLA_DOCUMENT_STORE=database): every application server
    reads them, and they commit or roll back with the request that wrote them. The blob
    is the same AES-GCM envelope the filesystem store writes; the database never sees
    the plain content. No relationship: loading a Document never loads its bytes."""

    __tablename__ = "document_contents"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class CompositionKind(StrEnum):
    REQUEST = "request"  # an outgoing MLA request (UNTOC art. 18(15))
    LETTER = "letter"    # a letter to the counterpart (mla.notifications.letters)


class CompositionStatus(StrEnum):
    DRAFT = "draft"        # the caseworker edits the text
    APPROVED = "approved"  # frozen: the generated files are kept with their hashes


class Composition(Model):
    """A document Comity writes: its text, edited as a draft (``version`` guards against two
    people saving over each other), frozen on approval, when the DOCX and PDF generated from
    it are stored as documents with their SHA-256. ``sections`` is a list of
    ``{"key", "heading", "text"}`` in the order they are printed."""

    __tablename__ = "compositions"
    __table_args__ = (
        CheckConstraint("kind IN ('request', 'letter')", name="kind_known"),
        CheckConstraint("status IN ('draft', 'approved')", name="status_known"),
        CheckConstraint("status <> 'approved' OR (approved_at IS NOT NULL "
                        "AND pdf_document_id IS NOT NULL AND docx_document_id IS NOT NULL)",
                        name="approved_has_files"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[CompositionKind] = mapped_column(StrEnumType(CompositionKind, 10))
    letter_id: Mapped[int | None] = mapped_column(
        ForeignKey("letters.id", ondelete="CASCADE"), unique=True)
    language: Mapped[str] = mapped_column(String(8))
    # Sealed: the whole text drafted here (facts, persons, the title a caseworker typed).
    title: Mapped[str] = mapped_column(SealedText("compositions.title"))
    sections: Mapped[list[dict[str, Any]]] = mapped_column(
        SealedJSON("compositions.sections"), default=list)
    is_translation_needed: Mapped[bool] = mapped_column(default=False)
    status: Mapped[CompositionStatus] = mapped_column(StrEnumType(CompositionStatus, 10),
                                                      default=CompositionStatus.DRAFT)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    # No ON DELETE: an approved text's files go only with their request, all at once (a
    # SET NULL would break approved_has_files while a request's rows are cascaded away).
    docx_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    pdf_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))

    case = relationship("Case")
    letter = relationship("Letter")
    updated_by = relationship("User", foreign_keys=[updated_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    docx_document = relationship("Document", foreign_keys=[docx_document_id])
    pdf_document = relationship("Document", foreign_keys=[pdf_document_id])

    @property
    def is_draft(self) -> bool:
        return self.status == CompositionStatus.DRAFT


class Letterhead(Model):
    """The authority's letterhead, one row (id 1) an admin edits. The logo is sealed like a
    document's content (mla.documents.storage), with its own context."""

    __tablename__ = "letterheads"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("logo_content_type IN ('', 'image/png', 'image/jpeg')",
                        name="logo_type_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    authority_name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_title: Mapped[str] = mapped_column(String(200), default="")
    logo_content_type: Mapped[str] = mapped_column(String(20), default="")
    logo_sha256: Mapped[str] = mapped_column(String(64), default="")
    logo_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def has_logo(self) -> bool:
        return bool(self.logo_sealed)
