"""Signals owned by auth: other domains react to a user's access being cut here.

- ``access_revoked``: sent inside the transaction that disables a user or revokes
  everything of theirs, after auth has revoked its own sessions and API tokens.
  ``sender`` is the User; keyword ``actor``. A receiver revokes the credentials its
  domain issued (calendar feeds), flushes, and returns ``(label, count)``.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

access_revoked = _signals.signal("access-revoked")
