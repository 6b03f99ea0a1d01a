"""Every version of a workflow definition a request has started under.

A request stores (workflow_name, workflow_version); the version is the hash of
the file's bytes. The source is kept here the first time a version is used, so a
request in flight keeps running under the rules it started with even after the
file is edited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mla.core.clock import now
from mla.core.db import UTCDateTime
from mla.extensions import Model


class WorkflowVersion(Model):
    __tablename__ = "workflow_versions"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    first_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
