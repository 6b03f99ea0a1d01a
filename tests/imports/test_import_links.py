"""An import finds the links between requests that registering its rows one by one
would have found (mla.persons.bulk), and reads a workbook's date cells as dates."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import aliased

from mla.audit.models import AuditEntry
from mla.cases.models import Case, CaseEvent, Person
from mla.cases.services import PersonInput, register_case
from mla.core.actors import COMMAND_LINE
from mla.imports.mapping import parse_mapping
from mla.imports.readers import open_register
from mla.imports.services import check_register, import_register
from mla.persons.models import CaseLink
from mla.persons.services import relink

DOCS = Path(__file__).resolve().parents[2] / "docs" / "import"
MAPPING_TEXT = (DOCS / "sample-mapping.toml").read_text(encoding="utf-8").replace(
    "[columns]\n", '[columns]\nperson_identifiers = "IDs"\n', 1)
HEADER = ["Dir", "Type", "Basis", "Country", "Their ref", "File no", "Subject", "Received",
          "Registered", "Offence", "Max penalty (months)", "ICCS", "Person", "Role", "Born",
          "IDs", "Officer", "Status", "Closed", "Urgent"]


def _row(file_no: str, person: str = "", born: str = "", ids: str = "",
         their_ref: str = "", country: str = "FR") -> list[str]:
    values = {"Dir": "IN", "Type": "MLA", "Basis": "Palermo", "Country": country,
              "Their ref": their_ref, "File no": file_no, "Subject": f"Request {file_no}",
              "Received": "14/03/2019", "Offence": "Escroquerie",
              "Max penalty (months)": "60", "ICCS": "0701", "Person": person, "Role": "S",
              "Born": born, "IDs": ids, "Officer": "", "Status": "new", "Urgent": "",
              "Registered": "", "Closed": ""}
    return [values[column] for column in HEADER]


# Two rows share a passport number; one names a person already on file with the same
# date of birth; one the same name with another date of birth (two people); one carries
# a counterpart reference already on file in other letters; two share a name, one of
# them without a date of birth.
ROWS = [
    _row("R1", "Anna Muster", ids="Passport: X1234567"),
    _row("R2", "A. Mustermann", ids="X-1234567"),
    _row("R3", "PETROV Ivan", born="01/02/1980"),
    _row("R4", "Ivan Petrov", born="05/05/1975"),
    _row("R5", "Karl Beispiel", their_ref="fr-2019-0041"),
    _row("R6", "Karl Beispiel|Ivan Petrov", born="|01/02/1980", ids="|AB 998877"),
    _row("R7", "Nobody Related", their_ref="FR-2026-1"),
]


def _on_file(make_case, worker) -> None:
    make_case(worker, domestic_reference="E1", counterpart_country="FR",
              persons=[PersonInput(role="suspect", full_name="Ivan Petrov",
                                   date_of_birth="1980-02-01")])
    make_case(worker, domestic_reference="E2", counterpart_country="FR",
              counterpart_reference="FR-2019-0041", persons=[])
    # A trainee's sandbox copy names the same person: never linked outside the copy.
    trainee_copy = make_case(worker, domestic_reference="S1", counterpart_country="FR",
                             persons=[PersonInput(role="suspect", full_name="Ivan Petrov",
                                                  date_of_birth="1980-02-01")])
    trainee_copy.sandbox_copy_id = 7
    relink(worker, trainee_copy)  # what putting it in the copy does: its E1 link goes


def _links(db) -> set[tuple[str, str, str, tuple[str, ...], tuple[tuple[str, str], ...]]]:
    """Every link by the requests' file numbers, its reasons and its persons (file
    number and name of each person named in the pair, the finder's first)."""
    low, high = aliased(Case), aliased(Case)
    person_of = {p.id: (p.case.domestic_reference, p.get_field("full_name"))
                 for p in db.session.scalars(select(Person))}
    found = set()
    for link, low_ref, high_ref in db.session.execute(
            select(CaseLink, low.domestic_reference, high.domestic_reference)
            .join(low, low.id == CaseLink.case_id)
            .join(high, high.id == CaseLink.other_case_id)):
        assert link.status == "possible"
        pairs = tuple(person_of[p] + person_of[q] for p, q in link.details["persons"])
        found.add((low_ref, high_ref, link.reason, tuple(link.details["reasons"]), pairs))
    return found


def _found_events(db) -> dict[str, int]:
    """The rows' link_found timeline entries (S1's own, from before, left out)."""
    rows = [row[HEADER.index("File no")] for row in ROWS]
    return {ref: data["count"] for ref, data in db.session.execute(
        select(Case.domestic_reference, CaseEvent.data).join(Case)
        .where(CaseEvent.kind == "link_found", Case.domestic_reference.in_(rows)))}


def _checked(rows: list[list[str]], tmp_path: Path) -> Any:
    path = tmp_path / "register.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(rows)
    mapping = parse_mapping(MAPPING_TEXT)
    checked = check_register(open_register(path, mapping), mapping)
    assert not checked.errors, [str(e) for e in checked.errors]
    return checked


def test_an_import_records_the_links_registration_would_record(db, make_case, create_user,
                                                               tmp_path):
    worker = create_user("caseworker")
    _on_file(make_case, worker)
    db.session.commit()
    before = {link.id for link in db.session.scalars(select(CaseLink))}
    assert before == set()  # E1, E2 and S1 share nothing (S1 is in another copy)
    checked = _checked(ROWS, tmp_path)

    # The same rows registered one by one through the service, in a savepoint.
    savepoint = db.session.begin_nested()
    for row in checked.rows:
        register_case(worker, row.data)
    db.session.flush()
    by_registration, events_by_registration = _links(db), _found_events(db)
    savepoint.rollback()
    db.session.expire_all()

    imported = import_register(COMMAND_LINE, checked, source_name="register.csv")
    by_import = _links(db)
    assert by_import == by_registration
    assert _found_events(db) == events_by_registration
    # And what that is, written out.
    r6 = ("R6", "Karl Beispiel"), ("R6", "Ivan Petrov")
    assert by_import == {
        ("R1", "R2", "identifier", ("identifier",),
         (("R2", "A. Mustermann", "R1", "Anna Muster"),)),
        ("E1", "R3", "name_and_date_of_birth", ("name_and_date_of_birth",),
         (("R3", "PETROV Ivan", "E1", "Ivan Petrov"),)),
        ("E2", "R5", "counterpart_reference", ("counterpart_reference",), ()),
        ("R5", "R6", "name", ("name",), (r6[0] + ("R5", "Karl Beispiel"),)),
        ("E1", "R6", "name_and_date_of_birth", ("name_and_date_of_birth",),
         (r6[1] + ("E1", "Ivan Petrov"),)),
        ("R3", "R6", "name_and_date_of_birth", ("name_and_date_of_birth",),
         (r6[1] + ("R3", "PETROV Ivan"),)),
    }
    assert _found_events(db) == {"R2": 1, "R3": 1, "R5": 1, "R6": 3}
    assert (imported.links, imported.linked_requests) == (6, 4)
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "cases.import")
                               ).one()
    assert (audit.details["links"], audit.details["linked_requests"]) == (6, 4)


def test_imported_requests_are_linked_with_a_later_import(runner, db, tmp_path):
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING_TEXT, encoding="utf-8")
    for name, rows in (("first", ROWS[:2]), ("second", ROWS[1:2])):
        path = tmp_path / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(HEADER)
            writer.writerows(rows)
        result = runner.invoke(args=["cases", "import", str(path), "--mapping", str(mapping)])
        assert result.exit_code == 0, result.output
    # R2 of the second file: the same passport as R1 and R2 of the first.
    assert "Possible links between requests found: 2 (on 1 imported requests)" in result.output
    assert len(db.session.scalars(select(CaseLink)).all()) == 3
    assert {link[:3] for link in _links(db)} == {("R1", "R2", "identifier"),
                                                 ("R2", "R2", "identifier")}


def test_date_cells_are_dates_whatever_the_mappings_date_format(runner, db, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    dates = {"Received": HEADER.index("Received"), "Born": HEADER.index("Born")}
    for file_no, received, born in (
            ("D1", date(2019, 3, 14), date(1971, 5, 2)),         # date cells
            ("D2", "15/03/2019", "03/06/1972"),                    # text in the mapping's format
            ("D3", datetime(2019, 3, 16, 9, 30), datetime(1973, 7, 4))):  # datetime cells
        row: list[Any] = _row(file_no, "Jean Fictif")
        row[dates["Received"]], row[dates["Born"]] = received, born
        sheet.append(row)
    path = tmp_path / "register.xlsx"
    workbook.save(path)
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING_TEXT, encoding="utf-8")  # date_format = "%d/%m/%Y"
    result = runner.invoke(args=["cases", "import", str(path), "--mapping", str(mapping)])
    assert result.exit_code == 0, result.output
    got = {case.domestic_reference: (case.received_at.date(),
                                     case.persons[0].get_field("date_of_birth"))
           for case in db.session.scalars(select(Case))}
    assert got == {"D1": (date(2019, 3, 14), "1971-05-02"),
                   "D2": (date(2019, 3, 15), "1972-06-03"),
                   "D3": (date(2019, 3, 16), "1973-07-04")}


def test_text_not_in_the_mappings_format_is_still_refused_in_a_workbook(runner, db,
                                                                        tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    row: list[Any] = _row("D4", "Jean Fictif")
    row[HEADER.index("Received")] = "2019-03-14"  # ISO text, the mapping says %d/%m/%Y
    sheet.append(row)
    path = tmp_path / "register.xlsx"
    workbook.save(path)
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING_TEXT, encoding="utf-8")
    result = runner.invoke(args=["cases", "import", str(path), "--mapping", str(mapping),
                                 "--dry-run"])
    assert "row 2, column Received: Not a date written as %d/%m/%Y." in result.output
