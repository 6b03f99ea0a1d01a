"""A user's saved filters of the request list ("my urgent", "waiting > 90 days")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mla.core.clock import now
from mla.core.crypto import SealedText
from mla.core.db import UTCDateTime
from mla.extensions import Model


class SavedFilter(Model):
    __tablename__ = "saved_filters"
    __table_args__ = (
        UniqueConstraint("user_id", "name"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Each user's own: they go with the user.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # The list's query string, as CaseFilters.to_args writes it (read back by from_args).
    # Sealed: its search (q) may be a person's exact name. "" (no filter) is sealed too.
    query: Mapped[str] = mapped_column(SealedText("saved_filters.query"), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
