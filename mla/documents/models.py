"""Documents attached to a request; the content is stored encrypted (mla.documents.storage):
in ``document_contents`` by default, or as files under ``instance/documents/``."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mla.core.clock import now
from mla.core.db import StrEnumType, UTCDateTime
from mla.extensions import Model


class Visibility(StrEnum):
    INTERNAL = "internal"  # the central authority's own staff
    SHARED = "shared"      # also the prosecutors' portal


VISIBILITIES = tuple(v.value for v in Visibility)
# 20 MiB: below the app-wide request limit, so the form can say what went wrong.
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


class Document(Model):
    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint("visibility IN ('internal', 'shared')", name="visibility_known"),
        CheckConstraint(f"size_bytes > 0 AND size_bytes <= {MAX_DOCUMENT_BYTES}",
                        name="size_in_range"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
        Index("ix_documents_case_visibility", "case_id", "visibility"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Names the stored file; never derived from the user's file name.
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: uuid.uuid4().hex)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    # The timeline entry the document came with (an answer, a letter), if any.
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_events.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # internal: central-authority staff only; shared: also the domestic authority.
    visibility: Mapped[Visibility] = mapped_column(StrEnumType(Visibility, 10),
                                                   default=Visibility.INTERNAL)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    case = relationship("Case")
    uploaded_by = relationship("User")

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
