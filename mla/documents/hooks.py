"""Documents' answers to other domains' signals: an approved letter is kept as DOCX and
PDF on the letterhead (notifications never imports documents)."""

from __future__ import annotations

from typing import Any

from mla.auth.models import User
from mla.documents.compositions import compose_letter
from mla.notifications.models import Letter
from mla.notifications.signals import letter_approved


@letter_approved.connect
def _keep_letter_files(letter: Letter, *, actor: Any, approver: User | None,
                       **_extra: Any) -> None:
    compose_letter(actor, letter, approver)
