"""Every text column of every mapped model is sealed, or says why it need not be.

A column of type String, Text or JSON (or a type built on one) in the models' metadata
is either sealed by its type (``SealedText``, ``SealedOptionalText``, ``SealedBytes``: key
rotation finds it, a database thief reads ciphertext), a closed set of codes by its type
(``StrEnumType``, backed by a CHECK constraint), or listed below:

- ``ALLOWED``: holds no personal data of a person a request concerns and no typed free
  text about one, with the one-line reason why;
- ``NOT_YET_SEALED``: does hold such text and is not sealed yet, a known gap named with
  what it holds, to be sealed (then taken off the list: the test says so).

A new column fails the first test until someone decides which it is.
"""

from __future__ import annotations

from sqlalchemy import JSON, String, Text
from sqlalchemy.types import TypeDecorator, TypeEngine

from mla.core.crypto import SealedBytes, SealedText
from mla.core.db import StrEnumType

CODES = "codes, states or identifiers the code sets"
REFERENCE_DATA = "shipped or administrator-maintained reference data, no person concerned"
SANDBOX = ("training sandbox: fictional scenarios and what trainees answer to them, on a "
           "training instance (MLA_MODE=sandbox; mla/sandbox/guard.py keeps it apart)")

ALLOWED: dict[str, str] = {
    # Staff accounts, sessions and tokens: the staff's own identity is needed in clear to
    # sign in and to attribute actions; no person a request concerns.
    "api_tokens.token_hash": "a token's SHA-256",
    "api_tokens.label": "the name a staff member gives their own API token",
    "api_tokens.prefix": "the token's first characters, to tell tokens apart",
    "calendar_feeds.token_hash": "a feed token's SHA-256",
    "calendar_feeds.prefix": "the feed token's first characters",
    "users.username": "a staff member's sign-in name (staff, not a person concerned)",
    "users.display_name": "a staff member's name shown on their actions (staff)",
    "users.email": "a staff member's mailbox, to send them notifications (staff)",
    "users.password_hash": "an argon2 hash",
    "users.language": "a locale code",
    "users.time_zone": "an IANA zone name",
    "user_sessions.token_hash": "a session token's hash",
    "user_sessions.user_agent": "the staff member's browser, shown in their own sessions",
    "recovery_codes.code_hash": "an argon2 hash",
    "kept_searches.token_hash": "a kept search's handle's SHA-256 (its words are sealed)",
    "login_throttles.username": "the sign-in name tried (staff), for throttling",
    "login_throttles.client_ip": "the client address, for throttling",
    "person_tokens.kind": CODES,
    "person_tokens.digest": "a keyed blind index (HMAC) of a person's field, not the value",
    "deployment_identity.mode": CODES,
    "deployment_identity.key_ring_id": "the key ring's instance id",
    # The audit trail: never personal data in its details (README, security notes).
    "audit_entries.actor_label": "the staff member's or job's name who acted",
    "audit_entries.action": CODES,
    "audit_entries.object_type": CODES,
    "audit_entries.object_id": "a request's reference or a row's id",
    "audit_entries.details": "ids, codes, counts, lengths: typed reasons are sealed on the "
                             "timeline; entries before c2e4a6f8b0d3 keep theirs, and a use "
                             "limitation's before c4e6a8b0d2f7 its document's file name "
                             "(hash-chained)",
    "audit_entries.ip_address": "the staff member's client address",
    "audit_entries.prev_hash": "a SHA-256",
    "audit_entries.entry_hash": "a SHA-256",
    # Requests: what the list searches and sorts in SQL stays readable (README: titles are
    # not encrypted, write them without a person's name; names are in the persons' fields).
    "cases.reference": "the request's reference number",
    "cases.direction": CODES,
    "cases.kind": CODES,
    "cases.workflow_name": CODES,
    "cases.workflow_version": "the workflow file's hash",
    "cases.state": CODES,
    "cases.title": "searched with LIKE / trigrams; README tells staff to describe the matter, "
                   "not the person",
    "cases.title_search": "the title casefolded, for the search",
    "cases.legal_basis": CODES,
    "cases.counterpart_country": "an ISO country code",
    "cases.counterpart_reference": "the counterpart's file number, matched in SQL",
    "cases.counterpart_reference_key": "that number normalised, for matching",
    "cases.domestic_reference": "a domestic file number",
    "case_events.actor_label": "the staff member's or job's name who acted",
    "case_events.kind": CODES,
    "case_events.transition": CODES,
    "case_events.from_state": CODES,
    "case_events.to_state": CODES,
    "case_events.data": "a step's structured values (dates, choices, authorities, grounds) "
                        "counted in SQL; typed words and corrected sealed fields go to "
                        "comment / sealed_values",
    "case_measures.code": CODES,
    "case_offences.label": "the offence's legal name, counted by reports (README)",
    "case_offences.statute": "the provision the offence falls under",
    "case_offences.iccs_codes": "ICCS codes",
    "case_persons.uid": "a random id binding the person's sealed fields to their row",
    "case_persons.role": CODES,
    "case_persons.name_index": "a keyed blind index (HMAC) of the name, not the name",
    "case_links.reason": CODES,
    "case_links.details": "the reasons' codes and the linked persons' ids",
    "case_links.status": CODES,
    "reference_counters.prefix": "a reference number's prefix",
    # Deadlines: rules, countries and calendars.
    "deadlines.rule_code": CODES,
    "deadlines.country_code": "an ISO country code",
    "deadlines.zone_name": "an IANA zone name",
    "deadlines.holiday_calendar": CODES,
    "deadline_counting_settings.country_code": "an ISO country code",
    "deadline_rule_settings.rule_code": CODES,
    # Double criminality: the check's inputs are codes; the override's words are sealed.
    "dc_assessments.offence_label": "the offence's legal name, as case_offences.label",
    "dc_assessments.conduct_iccs": "ICCS codes",
    "dc_assessments.legal_basis": CODES,
    "dc_assessments.requesting_country": "an ISO country code",
    "dc_assessments.requested_country": "an ISO country code",
    "dc_assessments.result": "the engine's reasons (rule codes), matches and inputs (codes)",
    "dc_assessments.outdated_reason": "which corrected field (ICCS codes, penalty, basis, "
                                      "counterpart) the decision rested on, written by code",
    "dc_policy_settings.key": CODES,
    "dc_policy_settings.value": "a policy setting's value",
    # Documents: their bytes are sealed (storage); these describe the file.
    "documents.uid": "a random id binding the sealed file to its row",
    "documents.content_type": "a MIME type",
    "documents.sha256": "a SHA-256",
    "documents.language": "a locale code",
    "compositions.language": "a locale code",
    # Exchange with counterparts: protocol facts.
    "exchange_counterparts.exchange_id": "a counterpart authority's exchange id",
    "exchange_counterparts.address": "a counterpart authority's endpoint",
    "exchange_counterparts.signing_fingerprint": "a key fingerprint",
    "exchange_counterparts.encryption_fingerprint": "a key fingerprint",
    "exchange_counterparts.document": "the counterpart's published keys and endpoints",
    "exchange_messages.message_id": "a message id",
    "exchange_messages.kind": CODES,
    "exchange_messages.counterpart": "a counterpart authority's exchange id",
    "exchange_messages.package_sha256": "a SHA-256",
    "exchange_messages.in_reply_to": "a message id",
    "exchange_messages.data": "a status update's or refusal's code; the refusal's words are "
                              "in refusal_reason, sealed",
    # Letters, mail and notifications: their words are sealed; these route them.
    "letters.key": "an idempotency key built from ids",
    "letters.template_code": CODES,
    "letters.language": "a locale code",
    "letters.to_address": "a counterpart authority's or staff mailbox, needed to send",
    "letters.created_by_label": "the staff member's name who drafted it",
    "outbox_messages.key": "an idempotency key built from ids",
    "outbox_messages.channel": CODES,
    "outbox_messages.to_address": "a staff or counterpart authority's mailbox, needed to send",
    "outbox_messages.link": "a path in the app (a reference, never a name)",
    "outbox_messages.category": CODES,
    "outbox_messages.data": "ids of the letter and template it carries",
    "outbox_messages.claim_token": "a worker's random claim token",
    "notifications.key": "an idempotency key built from ids",
    "notifications.category": CODES,
    "notifications.link": "a path in the app (a reference, never a name)",
    "notification_settings.key": CODES,
    "notification_settings.value": "a setting's value",
    # Our own authority and the directory of authorities (no person a request concerns).
    "authorities.name": "an authority's name",
    "authorities.country_code": "an ISO country code",
    "authorities.kind": CODES,
    "authorities.address": "an authority's postal address",
    "authorities.email": "an authority's mailbox",
    "authorities.phone": "an authority's telephone",
    "authorities.website": "an authority's website",
    "authorities.languages": "locale codes",
    "authorities.channels": "channel codes",
    "authorities.notes": "directory notes on reaching an authority (administrators), not "
                         "about requests",
    "letterheads.authority_name": "our authority's name",
    "letterheads.address": "our authority's address",
    "letterheads.signatory_name": "the official signing our letters (published on them)",
    "letterheads.signatory_title": "that official's title",
    "letterheads.logo_content_type": "a MIME type",
    "letterheads.logo_sha256": "a SHA-256",
    "national_settings.country_code": "an ISO country code",
    # Reference data: countries, instruments, treaties, catalogues, workflows.
    "countries.code": REFERENCE_DATA,
    "countries.name": REFERENCE_DATA,
    "countries.holiday_calendar": REFERENCE_DATA,
    "countries.dc_reference_date": REFERENCE_DATA,
    "country_time_zones.country_code": REFERENCE_DATA,
    "country_time_zones.zone_name": REFERENCE_DATA,
    "iccs_codes.code": REFERENCE_DATA,
    "iccs_codes.parent_code": REFERENCE_DATA,
    "iccs_codes.title": REFERENCE_DATA,
    "instruments.code": REFERENCE_DATA,
    "instruments.title": REFERENCE_DATA,
    "instruments.citation": REFERENCE_DATA,
    "instruments.kinds": REFERENCE_DATA,
    "ratifications.country_code": REFERENCE_DATA,
    "ratifications.instrument": REFERENCE_DATA,
    "ratifications.source": REFERENCE_DATA,
    "reservations.country_code": REFERENCE_DATA,
    "reservations.code": REFERENCE_DATA,
    "reservations.text": "a state's reservation to a treaty, as published",
    "reservations.source": REFERENCE_DATA,
    "treaties.name": REFERENCE_DATA,
    "treaties.kind": REFERENCE_DATA,
    "treaties.party_a": REFERENCE_DATA,
    "treaties.party_b": REFERENCE_DATA,
    "treaties.citation": REFERENCE_DATA,
    "offence_catalogues.jurisdiction": REFERENCE_DATA,
    "offence_catalogues.source_name": REFERENCE_DATA,
    "catalogue_offences.jurisdiction": REFERENCE_DATA,
    "catalogue_offences.code": REFERENCE_DATA,
    "catalogue_offences.title": REFERENCE_DATA,
    "catalogue_offences.title_search": REFERENCE_DATA,
    "catalogue_offences.statute": REFERENCE_DATA,
    "catalogue_offence_iccs.iccs_code": REFERENCE_DATA,
    "catalogue_offence_iccs.jurisdiction": REFERENCE_DATA,
    "workflow_versions.name": CODES,
    "workflow_versions.version": "the workflow file's hash",
    "workflow_versions.source": "the workflow file's text (shipped)",
    # Undertakings: articles, codes and references (their words are sealed).
    "assurances.source_article": "a treaty article",
    "use_limitations.source_article": "a treaty article",
    "speciality_consents.article": "a treaty article",
    "speciality_consents.rule_code": CODES,
    "speciality_records.offences": "the offences' legal names at surrender",
    "aut_dedere_referrals.refusal_ground": CODES,
    "aut_dedere_referrals.domestic_reference": "a domestic file number",
    "aut_dedere_referrals.outcome": CODES,
    # Reports: computed figures (the payload is sealed) and their keys.
    "report_figures.key": "a hash of the view's key",
    "report_figures.section": CODES,
    "report_figures.scope_key": "the reader's scope (authority id)",
    "report_figures.locale": "a locale code",
    "report_figures.filters": "the report's filters: codes, years, ids",
    "report_stays.workflow_name": CODES,
    "report_stays.direction": CODES,
    "report_stays.state": CODES,
    "report_stays.next_state": CODES,
    "report_stays.next_kind": CODES,
    "report_stays.ground": CODES,
    "portal_drafts.uid": "a random id binding the sealed draft to its row",
    "portal_drafts.step": CODES,
    "saved_filters.name": "the name a staff member gives their own saved list",
    # The training sandbox.
    "sandbox_class_batches.token_hash": "a SHA-256",
    "sandbox_class_batches.note": "the trainer's label for a class (sandbox)",
    "sandbox_counterpart_letters.kind": SANDBOX,
    "sandbox_counterpart_letters.sender": SANDBOX,
    "sandbox_counterpart_letters.language": SANDBOX,
    "sandbox_counterpart_letters.text": SANDBOX,
    "sandbox_counterpart_letters.answer": SANDBOX,
    "sandbox_counterpart_letters.ticked": SANDBOX,
    "sandbox_counterpart_letters.missing": SANDBOX,
    "sandbox_counterpart_progress.planned_outcome": SANDBOX,
    "sandbox_counterpart_progress.outcome": SANDBOX,
    "sandbox_counterparts.country_code": SANDBOX,
    "sandbox_counterparts.supplementary_question": SANDBOX,
    "sandbox_counterparts.outcome": SANDBOX,
    "sandbox_counterparts.refusal_ground": SANDBOX,
    "sandbox_counterparts.refusal_reason": SANDBOX,
    "sandbox_counterparts.script": SANDBOX,
    "sandbox_exercises.code": SANDBOX,
    "sandbox_exercises.title": SANDBOX,
    "sandbox_exercises.instructions": SANDBOX,
    "sandbox_exercises.checks": SANDBOX,
    "sandbox_scenario_cases.key": SANDBOX,
    "sandbox_scenario_cases.counterpart_plan": SANDBOX,
    "sandbox_state.pack": SANDBOX,
    "sandbox_state.pack_title": SANDBOX,
}

# Typed free text about the persons a request concerns, stored in the clear today: each
# should become a SealedText / SealedOptionalText column (migration sealing existing rows,
# key rotation finds it by type) and then leave this list.
NOT_YET_SEALED: dict[str, str] = {}


def _is_text(type_: TypeEngine) -> bool:
    plain = type_.impl_instance if isinstance(type_, TypeDecorator) else type_
    return isinstance(plain, String | Text | JSON)


def _unsealed_text_columns() -> set[str]:
    from mla.extensions import db

    found = set()
    for table in db.metadata.tables.values():
        for column in table.columns:
            if isinstance(column.type, SealedText | SealedBytes | StrEnumType):
                continue
            if _is_text(column.type):
                found.add(f"{table.name}.{column.name}")
    return found


def test_every_text_column_is_sealed_or_says_why_it_is_not(app):
    unlisted = sorted(_unsealed_text_columns() - ALLOWED.keys() - NOT_YET_SEALED.keys())
    assert not unlisted, (
        "These String/Text/JSON columns are neither sealed nor listed in "
        f"tests/security/test_sealed_columns.py: {', '.join(unlisted)}. If one can hold "
        "personal data or words a person types, make it SealedText / SealedOptionalText "
        "(mla/core/crypto.py) with a migration sealing existing rows (as "
        "b6d8f0a2c4e5_seal_pause_reason.py); otherwise add it to ALLOWED with a one-line "
        "reason why it holds neither.")


def test_the_lists_name_only_plain_text_columns(app):
    """A column sealed since (or dropped) leaves the lists, so they stay true."""
    stale = sorted((ALLOWED.keys() | NOT_YET_SEALED.keys()) - _unsealed_text_columns())
    assert not stale, (
        f"No longer a plain text column (sealed or gone): {', '.join(stale)}; remove it from "
        "ALLOWED / NOT_YET_SEALED in tests/security/test_sealed_columns.py.")
    assert not ALLOWED.keys() & NOT_YET_SEALED.keys()
    assert all(reason.strip() for reason in (*ALLOWED.values(), *NOT_YET_SEALED.values()))


def test_the_sweep_sees_sealed_and_plain_columns(app):
    """The walk reads the real metadata: a sealed column is left out, a plain one is in."""
    columns = _unsealed_text_columns()
    assert "cases.reference" in columns and "deadlines.rule_code" in columns
    assert not {"cases.summary", "deadlines.pause_reason", "case_persons.full_name_enc",
                "deadlines.status"} & columns
