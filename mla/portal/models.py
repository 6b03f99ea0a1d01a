"""A draft outgoing request kept on the server between the guided form's steps."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mla.core.clock import now
from mla.core.crypto import SealedBytes, key_ring
from mla.core.db import UTCDateTime
from mla.extensions import Model

DRAFT_STEPS = ("basics", "investigation", "facts", "assistance", "persons", "purpose",
               "review")
_STEP_LIST = ", ".join(f"'{s}'" for s in DRAFT_STEPS)


class OutgoingDraft(Model):
    """What a prosecutor typed so far; encrypted, as it may name the persons concerned."""

    __tablename__ = "portal_drafts"
    __table_args__ = (
        CheckConstraint(f"step IN ({_STEP_LIST})", name="step_known"),
        Index("ix_portal_drafts_author_submitted", "author_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: uuid.uuid4().hex)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    authority_id: Mapped[int | None] = mapped_column(
        ForeignKey("authorities.id", ondelete="SET NULL"))
    step: Mapped[str] = mapped_column(String(20), default="basics")
    data_enc: Mapped[bytes | None] = mapped_column(SealedBytes("portal_drafts.data.{uid}"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))

    author = relationship("User")
    case = relationship("Case")

    def _context(self) -> str:
        if not self.uid:
            self.uid = uuid.uuid4().hex
        return f"{self.__tablename__}.data.{self.uid}"

    @property
    def data(self) -> dict[str, Any]:
        if not self.data_enc:
            return {}
        return json.loads(key_ring().decrypt(self.data_enc, context=self._context()))

    @data.setter
    def data(self, value: dict[str, Any]) -> None:
        self.data_enc = key_ring().encrypt(json.dumps(value, sort_keys=True),
                                           context=self._context())
