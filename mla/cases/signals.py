"""Signals owned by cases: other domains react to a request's changes here.

Cases never imports the domains that react (dual criminality, deadlines);
they connect their receivers in their own registration.

- ``case_registering``: asked by ``register_case`` before the request row is
  built; ``sender`` is the CaseInput. The workflow engine answers with the row's
  ``workflow_name``, ``workflow_version`` and initial ``state`` (exactly one answer).
- ``case_registered``: sent by ``register_case`` after the request, its
  "registered" timeline entry and audit row are flushed; ``sender`` is the Case;
  keyword arguments ``actor`` and ``event``. The engine runs the workflow's
  ``on_start`` effects here, in the same transaction.
- ``case_correcting``: asked by ``update_case`` before anything changes;
  ``sender`` is the Case, keyword ``changes`` (field name -> new value, as
  given). A receiver returns None, or ``(field, sentence)`` to refuse the
  correction (e.g. the engine: a new legal basis that puts the request under
  another workflow).
- ``case_updated``: sent by ``update_case`` inside its transaction, after the
  change is flushed. ``sender`` is the Case; keyword arguments ``actor`` and
  ``changes`` (a ``CaseChanges``). A receiver flushes, never commits, and may
  return a list of sentences for the timeline entry ("the clocks were
  recomputed"), which ``update_case`` records with the change; or of mappings
  (codes, ISO days) that a template global of its own words when the entry is read,
  in the reader's language (the deadlines' ``clock_consequence``).
- ``case_scope``: asked by ``visible_cases`` with the acting User as ``sender``. A
  receiver returns None, or a condition on ``Case`` that every request the user may
  see must also meet (the sandbox: a trainee sees their own copy only). Every page,
  the API, reports, persons and the home page read requests through ``visible_cases``.
- ``case_list_filter``: asked by ``filtered_cases`` with the acting User as ``sender``;
  keyword ``args``, the list's query arguments it does not read itself (a dict). A
  receiver returns None, or a condition on ``Case`` the listed requests must meet (the
  reports: the filters behind a figure, so each figure links to its requests), and
  raises ApiError (422) for an argument of its own it cannot read.
- ``home_time_zone``: asked with the home state's country code as ``sender``;
  a receiver returns the IANA zone its day is counted in. Without one, UTC. Core owns
  it (mla.core.zones: the zone pages are shown in by default); named here as well.
- ``value_unreadable``: a person's stored value does not decrypt (changed in the
  database, or a key missing from the ring). ``sender`` is the Person; keyword
  ``field``. Sent on every failed read: a receiver must be idempotent.
"""

from __future__ import annotations

from blinker import Namespace

from mla.core.zones import home_time_zone as home_time_zone  # re-exported

_signals = Namespace()

case_registering = _signals.signal("case-registering")
case_registered = _signals.signal("case-registered")
case_correcting = _signals.signal("case-correcting")
case_updated = _signals.signal("case-updated")
case_scope = _signals.signal("case-scope")
case_list_filter = _signals.signal("case-list-filter")
value_unreadable = _signals.signal("value-unreadable")
