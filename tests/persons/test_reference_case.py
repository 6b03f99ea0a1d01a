"""A counterpart reference is the same reference whatever its case, in any script: the
request form's link search and the register import's bulk search compare one key
(mla.cases.models.reference_key, computed in Python), so they find the same links on
SQLite, whose upper() and lower() change ASCII letters only, and on PostgreSQL."""

from __future__ import annotations

import unicodedata

import flask_migrate
import pytest
from sqlalchemy import select, text

from mla.cases.models import Case, reference_key
from mla.cases.services import register_case
from mla.core.actors import COMMAND_LINE
from mla.extensions import db as _db
from mla.imports.services import import_register
from mla.persons.models import CaseLink
from mla.persons.services import preview_links
from tests.imports.test_import_links import _checked, _links, _row
from tests.test_migrations import MIGRATIONS, empty_app  # noqa: F401  (fixture)

# (on file, typed): the same reference in capitals or in small letters (which the form
# found and SQLite's import did not), in mixed case, with its accents typed decomposed.
SPELLINGS = [("état-12", "ÉTAT-12"), ("ÉTAT-12", "état-12"),
             ("état-12/Ärende", "ÉTAT-12/ärende"),
             ("État-12", unicodedata.normalize("NFD", "état-12"))]


def test_the_key_folds_case_in_any_script_and_how_letters_were_typed():
    assert reference_key(" ÉTAT-12 ") == reference_key("état-12") == "état-12"
    assert reference_key(unicodedata.normalize("NFD", "État-12")) == "état-12"
    assert reference_key("STRASSE-1") == reference_key("Straße-1")
    assert reference_key("ДЕЛО-7") == reference_key("дело-7")
    assert reference_key("ΣΟΦΙΑ") == reference_key("σοφια")
    assert reference_key("FR-2026-1") != reference_key("FR-2026-2")


@pytest.mark.parametrize(("on_file_as", "typed"), SPELLINGS,
                         ids=["capitals", "small", "mixed", "decomposed"])
def test_the_form_and_the_import_link_the_same_reference_whatever_its_case(
        db, make_case, create_user, tmp_path, on_file_as, typed):
    worker = create_user("caseworker")
    on_file = make_case(worker, domestic_reference="E2", counterpart_country="FR",
                        counterpart_reference=on_file_as, persons=[])
    other_state = make_case(worker, domestic_reference="E3", counterpart_country="DE",
                            counterpart_reference=on_file_as, persons=[])
    db.session.commit()
    # The form's preview, before registering.
    previewed = preview_links(worker, [], counterpart_country="FR", counterpart_reference=typed)
    assert [p.case.id for p in previewed] == [on_file.id]
    checked = _checked([_row("R5", "Karl Beispiel", their_ref=typed)], tmp_path)

    # Registered through the service the form calls, in a savepoint.
    savepoint = db.session.begin_nested()
    registered = register_case(worker, checked.rows[0].data)
    db.session.flush()
    by_form = _links(db)
    assert registered.counterpart_reference_key == on_file.counterpart_reference_key
    savepoint.rollback()
    db.session.expire_all()

    import_register(COMMAND_LINE, checked, source_name="register.csv")
    by_import = _links(db)
    assert by_import == by_form == {("E2", "R5", "counterpart_reference",
                                     ("counterpart_reference",), ())}
    assert other_state.id not in {link.other_case_id for link in
                                  db.session.scalars(select(CaseLink))}


def test_a_reference_whose_key_is_longer_than_it_is_stored(db, make_case, create_user):
    # NFKC writes U+FDFA as 18 letters: a 100-character reference (the form's limit)
    # had a key of 1,800, refused by PostgreSQL's VARCHAR(300) (a 500 on registering).
    long = "\ufdfa" * 100
    assert len(reference_key(long)) == 300
    worker = create_user("caseworker")
    on_file = make_case(worker, domestic_reference="E2", counterpart_country="FR",
                        counterpart_reference=long, persons=[])
    db.session.commit()
    previewed = preview_links(worker, [], counterpart_country="FR", counterpart_reference=long)
    assert [p.case.id for p in previewed] == [on_file.id]


def test_a_reference_corrected_on_the_request_changes_its_key(db, make_case, create_user):
    case = make_case(create_user("caseworker"), counterpart_reference="AB-1", persons=[])
    case.counterpart_reference = "ÉTAT-12"
    db.session.commit()
    stored = db.session.execute(select(Case.counterpart_reference_key)
                                .where(Case.id == case.id)).scalar_one()
    assert stored == "état-12"


# --- the migration ----------------------------------------------------------------------

KEYS = "d4f6a8c0e2b5"


@pytest.mark.usefixtures("empty_app")
def test_the_migration_keys_the_references_on_file():
    from tests.workflow.test_sealed_step_values import _insert, _plain_rows

    script_down = _down_revision()
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=script_down)
    _plain_rows()  # a request (id 1), as the revision before wrote it
    with _db.engine.begin() as conn:
        conn.execute(text("UPDATE cases SET counterpart_reference = 'ÉTAT-12' WHERE id = 1"))
    _insert("cases", {"id": 2, "reference": "MLA-IN-2026-00002", "legal_basis": "UNTOC",
                      "counterpart_country": "XA", "direction": "incoming", "kind": "mla",
                      "summary": b"", "counterpart_reference": "",
                      "counterpart_authority_id": None, "treaty_id": None})

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=KEYS)
    with _db.engine.connect() as conn:
        keys = dict(conn.execute(text("SELECT id, counterpart_reference_key FROM cases")).all())
    assert keys == {1: "état-12", 2: ""}

    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=script_down)


def _down_revision() -> str:
    from alembic.script import ScriptDirectory

    config = flask_migrate.Migrate().get_config(str(MIGRATIONS))
    down = ScriptDirectory.from_config(config).get_revision(KEYS).down_revision
    assert isinstance(down, str)
    return down
