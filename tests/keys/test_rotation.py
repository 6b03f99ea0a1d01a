"""`flask keys rotate`: every sealed value and document moves to a new key, in committed
batches; a run killed with SIGKILL at a chosen batch is carried on by the next run."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from mla.cases.models import Person
from mla.cases.services import find_persons_by_name
from mla.core.crypto import KeyRing
from mla.extensions import db
from mla.operations import keys
from mla.persons.models import PersonToken
from mla.persons.tokens import person_tokens
from tests.keys.instance import (
    PERSONS,
    Instance,
    new_database,
    read_everything,
    seed,
    set_up_schema,
)

# Runs `flask keys rotate`, killing itself with SIGKILL right after batch N commits:
# the kill lands at the same point on every run, whatever the machine's speed.
KILL_AFTER_BATCH = """
import os, signal, sys
from flask.cli import main
from mla.operations import keys_cli

batches = 0
commit = keys_cli.commit_batch

def commit_then_die(rows):
    global batches
    commit(rows)
    batches += 1
    if batches == {batch}:
        os.kill(os.getpid(), signal.SIGKILL)

keys_cli.commit_batch = commit_then_die
sys.argv = ["flask"] + sys.argv[1:]
main()
"""


@pytest.fixture
def store() -> str:
    """MLA_DOCUMENT_STORE of the instance; tests about documents run with both."""
    return "database"


@pytest.fixture
def instance(store: str, tmp_path: Path) -> Iterator[Instance]:
    with new_database(tmp_path, "keys") as url:
        made = Instance(tmp_path, url, document_store=store)
        app = made.app()
        set_up_schema(app)
        seed(app)
        yield made
        made.dispose()


def _by_key(instance: Instance) -> dict[int, int]:
    app = instance.app()
    with app.app_context():
        try:
            return keys.values_by_key()
        finally:
            db.session.remove()


@pytest.mark.parametrize("store", ["database", "filesystem"])
def test_a_rotation_killed_mid_way_is_carried_on_and_everything_reads_back(instance):
    before = read_everything(instance.app())
    total = sum(_by_key(instance).values())
    assert set(_by_key(instance)) == {1}

    killed = instance.flask("keys", "rotate", "--batch-size", "2",
                            script=KILL_AFTER_BATCH.format(batch=3))

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    ring = KeyRing.from_json(instance.key_file.read_text())
    assert ring.active_id == 2 and ring.rotating_from == [1] and not ring.retired
    half = _by_key(instance)
    assert 3 <= half[2] <= 6 and half[1] + half[2] == total  # three batches of 1-2 rows
    assert read_everything(instance.app()) == before  # both keys read meanwhile

    resumed = instance.flask("keys", "rotate", "--batch-size", "2", check=True)

    assert "Carrying on the rotation to key 2" in resumed.stdout
    assert _by_key(instance) == {2: total}
    ring = KeyRing.from_json(instance.key_file.read_text())
    assert ring.active_id == 2 and ring.retired == {1} and 1 in ring.keys  # kept, retired
    assert read_everything(instance.app()) == before


def test_a_second_rotation_adds_a_third_key(instance):
    instance.flask("keys", "rotate", check=True)
    before = read_everything(instance.app())

    instance.flask("keys", "rotate", check=True)

    ring = KeyRing.from_json(instance.key_file.read_text())
    assert (ring.active_id, ring.retired) == (3, {1, 2})
    assert set(_by_key(instance)) == {3}
    assert read_everything(instance.app()) == before
    status = instance.flask("keys", "status", check=True).stdout
    assert "key 1: retired, 0 values" in status and "key 3: active" in status


def test_a_running_server_reads_values_sealed_under_a_key_added_after_it_started(instance):
    server = instance.app()  # loaded the ring with key 1 only
    instance.flask("keys", "rotate", check=True)

    assert read_everything(server)["persons"] == read_everything(instance.app())["persons"]


def test_a_value_that_does_not_open_is_named_and_its_key_is_not_retired(instance):
    app = instance.app()
    with app.app_context():
        person = db.session.scalars(select(Person).order_by(Person.id)).first()
        tampered = bytearray(person.address_enc)
        tampered[-1] ^= 1
        person.address_enc = bytes(tampered)
        person_id = person.id
        db.session.commit()
        db.session.remove()

    result = instance.flask("keys", "rotate")

    assert result.returncode == 1
    assert f"case_persons.address_enc #{person_id}" in result.stderr
    ring = KeyRing.from_json(instance.key_file.read_text())
    assert ring.rotating_from == [1] and not ring.retired


def test_the_blind_index_key_rotates_and_name_search_keeps_working(instance):
    old = KeyRing.from_json(instance.key_file.read_text())

    killed = instance.flask("keys", "rotate", "--blind-index", "--batch-size", "2",
                            script=KILL_AFTER_BATCH.format(batch=2))

    assert killed.returncode == -signal.SIGKILL
    half = KeyRing.from_json(instance.key_file.read_text())
    assert half.previous_index_key == old.index_key and half.index_key != old.index_key
    _finds_every_person(instance)  # half the rows under each index key: both are searched

    instance.flask("keys", "rotate", "--blind-index", check=True)

    done = KeyRing.from_json(instance.key_file.read_text())
    assert done.previous_index_key is None and done.index_key == half.index_key
    assert done.keys == old.keys and done.active_id == old.active_id
    _finds_every_person(instance)
    app = instance.app()
    with app.app_context():
        indexes = set(db.session.scalars(select(Person.name_index)))
        tokens = set(db.session.scalars(select(PersonToken.digest)))
        db.session.remove()
    assert indexes == {done.blind_index(p["full_name"], purpose="person.name")
                       for p in PERSONS}
    expected = {t.digest for p in PERSONS for t in person_tokens(
        done, full_name=p["full_name"], date_of_birth=p.get("date_of_birth", ""),
        identifiers=p.get("identifiers", ""))}
    assert tokens == expected  # the persons' token index (issue 16) is rebuilt too


def _finds_every_person(instance: Instance) -> None:
    app = instance.app()
    with app.app_context():
        for person in PERSONS:
            found = find_persons_by_name(person["full_name"].upper())
            assert len(found) == 3, person["full_name"]
        db.session.remove()


def test_with_the_ring_in_the_environment_rotation_prints_the_ring_to_store(tmp_path):
    with new_database(tmp_path, "keysenv") as url:
        ring = KeyRing.generate()
        instance = Instance(tmp_path, url, key_ring_json=ring.to_json())
        app = instance.app()
        set_up_schema(app)
        seed(app, cases=1)
        before = read_everything(app)

        first = instance.flask("keys", "rotate")

        assert first.returncode == 3
        assert "MLA_KEY_RING, which this command cannot change" in first.stderr
        printed = KeyRing.from_json(first.stdout)
        assert printed.active_id == 2 and printed.keys[1] == ring.keys[1]
        assert set(_by_key(instance)) == {1}  # nothing re-encrypted before servers know key 2

        instance.key_ring_json = json.dumps(json.loads(first.stdout))
        second = instance.flask("keys", "rotate", check=True)

        assert set(_by_key(instance)) == {2}
        assert KeyRing.from_json(second.stdout[second.stdout.index("{"):]).retired == {1}
        assert read_everything(instance.app()) == before
        instance.dispose()


def test_rotation_reseals_a_steps_typed_values_letters_and_messages(instance):
    """The columns are found by their type alone: what a caseworker typed at a step, a
    letter's subject, body and discard reason, the failure a letter was re-sent after,
    the outbox's e-mails and their last delivery error, the in-app notifications, a
    deadline's extension reason, notice and pause reason, a counterpart's refusal words,
    a request's reason for urgency, a drafted request document's title and text and a
    dual criminality override's justification, a measure's details, an assurance's
    terms, giver and assessment, a use limitation's scope, author and note and a
    speciality consent's subject and reasons, why a protection lapsed, the note deciding
    a link, the reasons for a competing decision and how each criterion weighed, what a
    domestic prosecution decided, an uploaded file's name and a saved list's search move
    to the new key with everything else."""
    from mla.core.crypto import key_id_of

    new_columns = {"case_events.sealed_values", "letters.subject", "letters.body",
                   "letters.discard_reason", "outbox_messages.subject",
                   "outbox_messages.body", "outbox_messages.last_error",
                   "notifications.title", "notifications.body",
                   "deadlines.extension_reason", "deadlines.extension_notice",
                   "deadlines.pause_reason", "cases.urgency_reason",
                   "exchange_messages.refusal_reason", "compositions.title",
                   "compositions.sections", "dc_assessments.justification",
                   "case_measures.details", "assurances.terms", "assurances.given_by",
                   "assurances.assessment", "use_limitations.scope",
                   "use_limitations.imposed_by", "use_limitations.note",
                   "speciality_consents.subject", "speciality_consents.reasons",
                   "speciality_records.lapse_reason", "case_links.decision_note",
                   "competing_decisions.reasons", "aut_dedere_referrals.details",
                   "competing_decisions.criteria", "documents.filename",
                   "saved_filters.query"}
    before = read_everything(instance.app())
    assert any("Jean Fictif is a minor" in values for values in before["step_values"])
    assert any("Jean Fictif withdrew" in letter[2] for letter in before["letters"])
    assert any("Jean Fictif" in subject for subject, _, _ in before["outbox"])
    assert any("jean.fictif@example.org" in error for _, _, error in before["outbox"])
    assert any("jean.fictif0@example.org" in values for values in before["step_values"])
    assert any("Jean Fictif" in title for title, _ in before["notifications"])
    assert any("Jean Fictif in hospital" in reason for reason, _, _ in before["deadlines"])
    assert any("Jean Fictif" in notice for _, notice, _ in before["deadlines"])
    assert any("Jean Fictif's lawyer" in paused for _, _, paused in before["deadlines"])
    assert any("Jean Fictif leaves" in reason for reason in before["urgency"])
    assert any("No file on Jean Fictif" in words for words in before["refusals"])
    assert any("Jean Fictif" in title and "Jean Fictif moved" in sections
               for title, sections in before["compositions"])
    assert any("Jean Fictif's transfers" in words for words in before["justifications"])
    assert any("Accounts of Jean Fictif" in details for details in before["measures"])
    assert any("Jean Fictif held" in terms and "Fictif-Hale" in who and "lawyer" in why
               for terms, who, why in before["assurances"])
    assert any("Only against Jean Fictif" in scope and "Fictif-Hale" in who and "trial" in note
               for scope, who, note in before["limitations"])
    assert any("Jean Fictif's robbery" in subject and "tried" in reasons
               for subject, reasons in before["consents"])
    assert any("Jean Fictif stayed" in reason for reason in before["lapses"])
    assert any("Jean Fictif is the same" in note for note in before["link_notes"])
    assert any("Jean Fictif's offence" in reasons for reasons in before["competing"])
    assert any("Jean Fictif sentenced" in details for details in before["referrals"])
    assert any("Jean Fictif's murder" in criteria for criteria in before["criteria"])
    assert any("q=Jean+Fictif" in query for query in before["saved_queries"])
    assert any("Jean Fictif passport" in name for name in before["filenames"])

    instance.flask("keys", "rotate", check=True)

    app = instance.app()
    with app.app_context():
        try:
            found = [c for c in keys.sealed_columns() if c.label in new_columns]
            assert {c.label for c in found} == new_columns
            for sealed in found:
                ids = {key_id_of(bytes(v)) for v in db.session.scalars(
                    select(sealed.raw).where(sealed.column.is_not(None)))}
                assert ids == {2}, sealed.label
        finally:
            db.session.remove()
    assert read_everything(instance.app()) == before
