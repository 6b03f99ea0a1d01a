"""Signals owned by auth: other domains react to a user's access being cut here.

- ``access_revoked``: sent inside the transaction that disables a user or revokes
  everything of theirs, after auth has revoked its own sessions and API tokens.
  ``sender`` is the User; keyword ``actor``. A receiver revokes the credentials its
  domain issued (calendar feeds), flushes, and returns ``(label, count)``.
- ``user_created``: sent by ``create_user`` inside its transaction, after the account
  and its audit row are flushed, whatever the path (admin page, ``users create``, the
  sandbox's class list). ``sender`` is the User; keyword ``actor``. A receiver flushes,
  never commits (the sandbox builds a trainee's copy of the scenario here).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

access_revoked = _signals.signal("access-revoked")
# Sent by ``end_session`` (signing out) inside its transaction; ``sender`` is the
# UserSession. A receiver forgets what it kept for that browser session and flushes.
session_ended = _signals.signal("session-ended")
user_created = _signals.signal("user-created")
