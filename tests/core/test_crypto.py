"""Personal data of persons: encrypted at rest, bound to row and column, keys outside the DB."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from mla.cases.models import UNREADABLE
from mla.cases.services import PersonInput
from mla.core.crypto import EXTENSION_KEY, KeyRing, normalise_for_index

SECRET_BITS = ("Jean-Ba", "Fictif", "1979-03-14", "P1234567", "Rue des Fleurs", "Arcadian")


def _persons() -> list[PersonInput]:
    return [
        PersonInput(role="suspect", full_name="Jean-Baptiste Fictif", date_of_birth="1979-03-14",
                    nationality="Arcadian", identifiers="Passport P1234567",
                    address="12 Rue des Fleurs, Arcadia"),
        PersonInput(role="witness", full_name="Wanda Témoin", nationality="Bordurian"),
    ]


@pytest.fixture
def persons(make_case):
    from mla.cases.models import Person

    case = make_case(persons=_persons())
    return sorted(case.persons, key=lambda p: p.id), Person


@pytest.fixture
def swap_ring(app) -> Iterator:
    """Replace the app's key ring for one test (the app is shared by the session)."""
    original = app.extensions[EXTENSION_KEY]

    def use(ring: KeyRing) -> None:
        app.extensions[EXTENSION_KEY] = ring

    yield use
    app.extensions[EXTENSION_KEY] = original


def _all_rows_as_text(db) -> str:
    """Every column of every table, as the database holds it."""
    dump = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).all():
            for value in row:
                if isinstance(value, bytes):
                    dump.append(value.decode("latin-1"))
                else:
                    dump.append(str(value))
    return "\n".join(dump)


def test_person_fields_are_ciphertext_in_the_database(persons, db):
    people, _ = persons
    raw = db.session.execute(text(
        "SELECT full_name_enc, date_of_birth_enc, identifiers_enc, address_enc, "
        "nationality_enc, name_index FROM case_persons ORDER BY id")).all()
    assert len(raw) == 2
    suspect = raw[0]
    assert all(isinstance(v, bytes) for v in suspect[:5])
    # Nowhere in the database (persons, events, audit trail, ...) does the plaintext appear.
    everything = _all_rows_as_text(db)
    for bit in (*SECRET_BITS, "Wanda", "Témoin", "Bordurian"):
        assert bit not in everything, bit
    # Through the model it reads back.
    assert people[0].decrypted() == {
        "full_name": "Jean-Baptiste Fictif", "date_of_birth": "1979-03-14",
        "identifiers": "Passport P1234567", "address": "12 Rue des Fleurs, Arcadia",
        "nationality": "Arcadian"}
    # Each encryption uses a fresh nonce: equal plaintexts give different ciphertexts.
    assert suspect[0] != db.session.execute(
        text("SELECT full_name_enc FROM case_persons WHERE id = :id"), {"id": people[1].id}
    ).scalar_one()


def test_a_ciphertext_swapped_between_rows_does_not_decrypt(persons, db):
    (first, second), Person = persons
    first_blob, second_blob = first.full_name_enc, second.full_name_enc
    db.session.execute(update(Person).where(Person.id == first.id)
                       .values(full_name_enc=second_blob))
    db.session.execute(update(Person).where(Person.id == second.id)
                       .values(full_name_enc=first_blob))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Person, first.id).get_field("full_name") is UNREADABLE
    assert db.session.get(Person, second.id).get_field("full_name") is UNREADABLE


def test_a_ciphertext_moved_to_another_column_does_not_decrypt(persons, db):
    (first, _), Person = persons
    db.session.execute(update(Person).where(Person.id == first.id)
                       .values(address_enc=first.full_name_enc))
    db.session.commit()
    db.session.expire_all()
    person = db.session.get(Person, first.id)
    assert person.get_field("full_name") == "Jean-Baptiste Fictif"
    assert person.get_field("address") is UNREADABLE


def test_a_tampered_ciphertext_does_not_decrypt(persons, db):
    (first, _), Person = persons
    blob = bytearray(first.full_name_enc)
    blob[-1] ^= 0x01
    db.session.execute(update(Person).where(Person.id == first.id)
                       .values(full_name_enc=bytes(blob)))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Person, first.id).get_field("full_name") is UNREADABLE


def test_key_rotation_keeps_old_values_readable(app, make_case, db, swap_ring, tmp_path):
    from mla.cases.models import Person
    from mla.core.crypto import key_ring

    old_case = make_case(persons=[PersonInput(role="suspect", full_name="Old Key Person")])
    old_id = old_case.persons[0].id
    rotated = key_ring().rotated()
    # The rotated ring survives its file format (as MLA_KEY_FILE would hold it).
    path = tmp_path / "ring.json"
    path.write_text(rotated.to_json(), encoding="utf-8")
    reloaded = KeyRing.from_json(path.read_text(encoding="utf-8"))
    assert reloaded.active_id == rotated.active_id and reloaded.keys == rotated.keys
    swap_ring(reloaded)

    new_case = make_case(persons=[PersonInput(role="suspect", full_name="New Key Person")])
    db.session.expire_all()
    old = db.session.get(Person, old_id)
    new = db.session.get(Person, new_case.persons[0].id)
    assert old.full_name == "Old Key Person"
    assert new.full_name == "New Key Person"
    key_id_of = lambda blob: int.from_bytes(blob[1:5], "big")  # noqa: E731
    assert key_id_of(old.full_name_enc) != key_id_of(new.full_name_enc) == rotated.active_id
    # The exact-name search keeps working across the rotation (same index key).
    from mla.cases.services import find_persons_by_name

    assert [p.id for p in find_persons_by_name("old key person")] == [old_id]


def test_another_key_ring_cannot_read_the_data(persons, db, swap_ring):
    """The keys are not in the database: the same rows under another ring are unreadable."""
    (first, _), Person = persons
    swap_ring(KeyRing.generate())
    db.session.expire_all()
    assert db.session.get(Person, first.id).get_field("full_name") is UNREADABLE


@pytest.mark.parametrize("query", [
    "Jean-Baptiste Fictif",
    "jean-baptiste fictif",
    "  JEAN-BAPTISTE    Fictif ",
    "Jéan-Baptiste Fîctif",
])
def test_exact_name_search_ignores_case_accents_and_spacing(persons, query):
    from mla.cases.services import find_persons_by_name

    (first, _), _ = persons
    assert [p.id for p in find_persons_by_name(query)] == [first.id]


def test_accented_names_are_found_without_their_accents(persons):
    from mla.cases.services import find_persons_by_name

    (_, second), _ = persons
    assert [p.id for p in find_persons_by_name("wanda temoin")] == [second.id]


@pytest.mark.parametrize("query", ["Jean Fictif", "Jean-Baptiste", "Jean-Baptiste Fictiff", ""])
def test_exact_name_search_is_exact(persons, query):
    from mla.cases.services import find_persons_by_name

    assert find_persons_by_name(query) == []


def test_blind_index_is_keyed_not_a_plain_hash(persons, db):
    (first, _), _ = persons
    normalised = normalise_for_index("Jean-Baptiste Fictif")
    unkeyed = {hashlib.sha256(normalised.encode()).hexdigest()[:32],
               hashlib.sha256(f"person.name\x00{normalised}".encode()).hexdigest()[:32],
               hashlib.md5(normalised.encode()).hexdigest()}  # noqa: S324
    assert first.name_index not in unkeyed
    assert KeyRing.generate().blind_index("Jean-Baptiste Fictif", purpose="person.name") \
        != first.name_index


def test_the_key_file_lives_outside_the_database(app, persons, db):
    from mla import settings_of

    settings = settings_of(app)
    key_file = settings.key_file
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    if settings.is_sqlite:
        database_file = settings.database_url.removeprefix("sqlite:///")
        assert key_file.resolve() != Path(database_file).resolve()
    ring = json.loads(key_file.read_text(encoding="utf-8"))
    secrets_in_file = [*ring["keys"].values(), ring["index_key"]]
    everything = _all_rows_as_text(db)
    for secret in secrets_in_file:
        raw = base64.b64decode(secret)
        assert secret not in everything
        assert raw.hex() not in everything
        assert raw.decode("latin-1") not in everything
