"""Importing a legacy register: all or nothing, errors by row and column, each request
in the state the mapping gives with its history marked as imported."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, text

from mla.cases.models import Case, CaseEvent
from mla.cases.services import find_persons_by_name
from mla.cases.validation import home_today
from mla.persons.models import CaseLink, PersonToken

DOCS = Path(__file__).resolve().parents[2] / "docs" / "import"
SAMPLE = DOCS / "sample-register.csv"
MAPPING = DOCS / "sample-mapping.toml"


def _sample_rows() -> tuple[list[str], list[list[str]]]:
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    return rows[0], rows[1:]


def _write_csv(path: Path, header: list[str], rows: list[list[str]],
               delimiter: str = ";") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _cases(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Case))


def _import(runner, path: Path, *extra: str, mapping: Path = MAPPING):
    return runner.invoke(args=["cases", "import", str(path), "--mapping", str(mapping),
                               *extra])


def _error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": row " in line]


def test_the_sample_register_imports_every_row_in_its_state(runner, db):
    header, rows = _sample_rows()
    result = _import(runner, SAMPLE)
    assert result.exit_code == 0, result.output
    assert f"Imported {len(rows)} requests" in result.output
    cases = db.session.scalars(select(Case).order_by(Case.id)).all()
    assert len(cases) == len(rows)
    by_their_ref = {c.domestic_reference: c for c in cases}
    file_no = header.index("File no")
    expected = {
        # file number -> (workflow, state)
        "CA/19/112": ("incoming_mla", "closed_executed"),
        "CA/20/009": ("incoming_mla", "closed_refused"),
        "CA/21/044": ("incoming_mla", "in_execution"),
        "EX/19/004": ("incoming_extradition", "surrendered"),
        "EAW/20/031": ("incoming_eaw", "surrendered"),
        "EAW/25/001": ("incoming_eaw", "received"),
        "CA/20/501": ("outgoing_mla", "transmitted"),
        "CA/21/502": ("outgoing_mla", "under_execution"),
        "EX/24/604": ("outgoing_extradition", "information_requested"),
        "EX/25/605": ("outgoing_extradition", "draft"),
    }
    for number, (workflow, state) in expected.items():
        case = by_their_ref[number]
        assert (case.workflow_name, case.state) == (workflow, state), number
    assert by_their_ref["CA/19/112"].is_closed and not by_their_ref["CA/21/044"].is_closed
    assert {(c.direction, c.kind) for c in cases} == {
        ("incoming", "mla"), ("incoming", "extradition"),
        ("outgoing", "mla"), ("outgoing", "extradition")}
    first = by_their_ref["CA/19/112"]
    assert first.received_at.date().isoformat() == "2019-03-14"
    assert [o.label for o in first.offences] == ["Escroquerie"]
    assert first.offences[0].iccs_codes == ["0701"]
    assert by_their_ref["EX/24/001"].offences[0].is_life
    assert by_their_ref["EAW/25/001"].is_urgent
    two = by_their_ref["CA/20/009"]
    assert [(p.role, p.full_name) for p in two.persons] == [
        ("suspect", "Karl Beispiel"), ("witness", "Anna Muster")]
    assert [row[file_no] for row in rows] == [c.domestic_reference for c in cases]

    # Registered on the register's registration date (its received date where it has
    # none); closed: registered into the initial state, closed on the register's date.
    assert first.created_at == datetime(2019, 3, 17, 12, 0, tzinfo=UTC)
    assert two.created_at == datetime(2020, 2, 3, 12, 0, tzinfo=UTC)
    history = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == first.id)
                                 .order_by(CaseEvent.at, CaseEvent.id)).all()
    assert [(e.kind, e.to_state, e.at) for e in history] == [
        ("imported", "received", datetime(2019, 3, 17, 12, 0, tzinfo=UTC)),
        ("imported", "closed_executed", datetime(2019, 10, 13, 12, 0, tzinfo=UTC))]
    assert history[0].data["imported"] is True
    assert history[0].data["imported_on"] == home_today().isoformat()
    assert history[0].data["registered_on"] == "2019-03-17"
    assert history[0].data["register_status"] == "executed"
    assert history[0].data["row"] == 2
    assert history[1].data["closed_on"] == "2019-10-13"
    assert [e.data["step"] for e in history] == ["registered", "closed"]
    # An open request: registered on the register's date (its received date), then in
    # the register's state from the import's instant.
    open_history = db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == by_their_ref["CA/21/044"].id)
        .order_by(CaseEvent.at, CaseEvent.id)).all()
    assert [(e.kind, e.to_state, e.at, e.data["step"]) for e in open_history] == [
        ("imported", "received", datetime(2021, 6, 21, 12, 0, tzinfo=UTC), "registered"),
        ("imported", "in_execution", first.updated_at, "imported")]
    assert open_history[0].data["registered_on"] == "2021-06-21"


def test_the_statements_do_not_grow_with_the_rows(runner, db, tmp_path, count_queries):
    # Reference data read once, rows written by executemany, links found by two joins:
    # no statement per row.
    header, rows = _sample_rows()
    # The first import creates the reference counters; count the next two.
    assert _import(runner, _write_csv(tmp_path / "first.csv", header, rows)).exit_code == 0
    counts = []
    for copies in (1, 3):
        path = _write_csv(tmp_path / f"register-{copies}.csv", header, rows * copies)
        with count_queries() as counter:
            result = _import(runner, path)
        assert result.exit_code == 0, result.output
        counts.append(len(counter.statements))
    assert _cases(db) == 5 * len(rows)
    # The same persons and references in every copy: the links pass had work to do.
    assert db.session.scalar(select(func.count()).select_from(CaseLink)) > 5 * len(rows)
    assert counts[0] == counts[1], counts


def test_persons_are_sealed_and_found_through_the_blind_index(runner, db):
    assert _import(runner, SAMPLE).exit_code == 0
    found = find_persons_by_name("jean  FICTIF")
    assert [p.case.domestic_reference for p in found] == ["CA/19/112"]
    person = found[0]
    assert b"Jean" not in person.full_name_enc
    assert person.get_field("date_of_birth") == "1971-05-02"
    tokens = db.session.scalar(select(func.count()).select_from(PersonToken)
                               .where(PersonToken.person_id == person.id))
    assert tokens >= 3  # two name words, the name key, the date of birth


def test_an_xlsx_register_imports_like_the_csv(runner, db, tmp_path):
    header, rows = _sample_rows()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Register")
    sheet.append(header)
    for row in rows:
        sheet.append([int(v) if v.isdigit() and len(v) < 4 else v for v in row])
    path = tmp_path / "register.xlsx"
    workbook.save(path)
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert _cases(db) == len(rows)
    assert db.session.scalar(select(Case.state).where(Case.domestic_reference == "CA/21/044")
                             ) == "in_execution"


def test_an_xlsx_register_names_rows_as_the_spreadsheet_numbers_them(runner, db, tmp_path):
    header, rows = _sample_rows()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Register")
    sheet.append(header)
    sheet.append(rows[0])
    sheet.append([None] * len(header))                  # row 3: empty, skipped
    bad = list(rows[1])
    bad[header.index("Country")] = "QQ"
    sheet.append(bad)                                   # row 4: unknown country
    path = tmp_path / "register.xlsx"
    workbook.save(path)
    result = _import(runner, path, "--dry-run")
    errors = _error_lines(result.output)
    assert len(errors) == 1 and "row 4, column Country" in errors[0], result.output
    assert "2 rows read, 1 good" in result.output


def test_a_file_that_is_no_workbook_is_refused(runner, db, tmp_path):
    path = tmp_path / "register.xlsx"
    path.write_bytes(b"Dir;Type\nIN;MLA\n")
    result = _import(runner, path)
    assert result.exit_code != 0 and "not an .xlsx workbook" in result.output
    assert _cases(db) == 0


def test_bad_rows_import_nothing_and_each_error_names_row_and_column(runner, db, tmp_path):
    header, rows = _sample_rows()
    col = header.index
    bad = [list(r) for r in rows[:8]]
    bad[0][col("Country")] = "QQ"                       # row 2: unknown country
    bad[1][col("Received")] = "31/02/2020"              # row 3: impossible date
    tomorrow = home_today() + timedelta(days=1)
    bad[2][col("Received")] = tomorrow.strftime("%d/%m/%Y")  # row 4: in the future
    bad[3][col("Status")] = "lost in the post"          # row 5: unknown state word
    bad[4] = [*bad[4], "stray", "cells"]                # row 6: malformed row
    bad[5][col("Born")] = "12/13/1980"                  # row 7: impossible date of birth
    bad[6][col("Max penalty (months)")] = "-4"          # row 8: penalty
    path = _write_csv(tmp_path / "bad.csv", header, bad)
    result = _import(runner, path)
    assert result.exit_code != 0
    assert "nothing was imported" in result.output.lower()
    assert _cases(db) == 0
    errors = _error_lines(result.output)
    assert len(errors) == 7, result.output
    expected = [("row 2", "Country"), ("row 3", "Received"), ("row 4", "Received"),
                ("row 5", "Status"), ("row 6", "(beyond the last column)"), ("row 7", "Born"),
                ("row 8", "Max penalty (months)")]
    for line, (row, column) in zip(errors, expected, strict=True):
        assert f"{row}, column {column}" in line, line
    assert "QQ" in errors[0]
    assert "received after today" in errors[2]
    assert "lost in the post" in errors[3]
    # Personal data is never quoted back.
    assert "Hans Erfunden" not in result.output and "1980" not in result.output


def test_the_registers_dates_are_checked_row_by_row(runner, db, tmp_path):
    # A request in a final state needs its closing date; an open one has none; a
    # closing is not before the registration, a registration not before the receipt
    # nor after today; a request needs a date of registration or receipt.
    header, rows = _sample_rows()
    col = header.index
    by_number = {row[col("File no")]: list(row) for row in rows}
    executed, executing, refused, sent, registered_late, undated = (
        by_number["CA/19/112"], by_number["CA/21/044"], by_number["CA/20/009"],
        by_number["CA/20/501"], by_number["CA/21/044"][:], by_number["CA/24/505"])
    executed[col("Closed")] = ""                         # row 2: final, no closing date
    executing[col("Closed")] = "01/01/2022"              # row 3: open, a closing date
    refused[col("Closed")] = "01/01/2020"                # row 4: closed before received
    tomorrow = home_today() + timedelta(days=1)
    sent[col("Registered")] = tomorrow.strftime("%d/%m/%Y")  # row 5: in the future
    registered_late[col("Registered")] = "01/01/2021"    # row 6: before it was received
    undated[col("Registered")] = ""                      # row 7: no date at all
    path = _write_csv(tmp_path / "dates.csv", header,
                      [executed, executing, refused, sent, registered_late, undated])
    result = _import(runner, path)
    assert result.exit_code != 0 and _cases(db) == 0
    errors = _error_lines(result.output)
    expected = [("row 2", "Closed", "final state (closed_executed)"),
                ("row 3", "Closed", "in_execution is not final"),
                ("row 4", "Closed", "before the request was registered"),
                ("row 5", "Registered", "registered after today"),
                ("row 6", "Registered", "before the received date"),
                ("row 7", "Registered", "no date for this request")]
    assert len(errors) == len(expected), result.output
    for line, (row, column, problem) in zip(errors, expected, strict=True):
        assert f"{row}, column {column}" in line and problem in line, line


def test_the_case_models_own_check_refuses_a_reference_on_two_lines(runner, db, tmp_path):
    # Checked with the model's @validates function, not by building a Case per row.
    header, rows = _sample_rows()
    bad = [list(r) for r in rows[:3]]
    bad[1][header.index("Their ref")] = "CA/19\nBcc: someone"
    result = _import(runner, _write_csv(tmp_path / "bad.csv", header, bad))
    assert result.exit_code != 0 and _cases(db) == 0
    errors = _error_lines(result.output)
    assert len(errors) == 1, result.output
    assert "row 3, column Their ref" in errors[0] and "one line" in errors[0]


def test_a_missing_column_is_named_and_nothing_is_imported(runner, db, tmp_path):
    header, rows = _sample_rows()
    cut = header.index("Status")
    path = _write_csv(tmp_path / "short.csv", [h for i, h in enumerate(header) if i != cut],
                      [[v for i, v in enumerate(r) if i != cut] for r in rows])
    result = _import(runner, path)
    assert result.exit_code != 0
    assert _error_lines(result.output) == ["short.csv: row 1, column Status: The register "
                                           "has no such column."]
    assert _cases(db) == 0


def test_a_dry_run_checks_and_writes_nothing(runner, db):
    result = _import(runner, SAMPLE, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "30 rows read, 30 good, 0 problems" in result.output
    assert _cases(db) == 0


def test_the_delimiter_is_sniffed_when_the_mapping_gives_none(runner, db, tmp_path):
    header, rows = _sample_rows()
    path = _write_csv(tmp_path / "commas.csv", header, rows[:3], delimiter=",")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING.read_text(encoding="utf-8").replace(
        'delimiter = ";"', ""), encoding="utf-8")
    result = _import(runner, path, mapping=mapping)
    assert result.exit_code == 0, result.output
    assert _cases(db) == 3


def test_a_wrong_mapping_is_refused_whole(runner, db, tmp_path):
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[columns]\ndirection = "Dir"\ncolour = "Colour"\n', encoding="utf-8")
    result = _import(runner, SAMPLE, mapping=mapping)
    assert result.exit_code != 0
    assert "colour" in result.output and "[states]" in result.output
    assert _cases(db) == 0


# -- the admin page ---------------------------------------------------------------------
PAGE = "/admin/import/"


def _upload(client, token: str, register: bytes, *, name: str = "register.csv",
            button: str = "check", mapping: bytes | None = None):
    return client.post(PAGE, data={
        "csrf_token": token, button: "1",
        "register": (io.BytesIO(register), name),
        "mapping": (io.BytesIO(mapping or MAPPING.read_bytes()), "mapping.toml"),
    }, content_type="multipart/form-data")


def test_admin_checks_then_imports_a_register_on_the_page(client, create_user, login_as,
                                                          csrf_token, db):
    login_as(create_user("admin"))
    page = client.get(PAGE)
    assert page.status_code == 200
    response = _upload(client, csrf_token(PAGE), SAMPLE.read_bytes())
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:2000]
    assert 'data-count="read">30<' in html and 'data-count="good">30<' in html
    assert _cases(db) == 0
    response = _upload(client, csrf_token(PAGE), SAMPLE.read_bytes(), button="submit")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:2000]
    assert 'data-count="imported">30 (' in html
    assert _cases(db) == 30
    reference = db.session.scalar(select(Case.reference).where(
        Case.domestic_reference == "CA/19/112"))
    page = client.get(f"/requests/{reference}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Jean Fictif" in text
    assert "Imported from register.csv (row 2) on" in text


def test_the_page_lists_the_errors_and_imports_nothing(client, create_user, login_as,
                                                       csrf_token, db):
    login_as(create_user("admin"))
    header, rows = _sample_rows()
    rows[2][header.index("Country")] = "QQ"
    text = io.StringIO()
    csv.writer(text, delimiter=";").writerows([header, *rows])
    response = _upload(client, csrf_token(PAGE), text.getvalue().encode(), button="submit")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "row 4, column Country" in html
    assert _cases(db) == 0


def test_the_page_needs_a_csrf_token(client, create_user, login_as, db):
    login_as(create_user("admin"))
    response = _upload(client, "not-a-token", SAMPLE.read_bytes(), button="submit")
    assert response.status_code in (400, 422)
    assert _cases(db) == 0


@pytest.mark.parametrize("role", ["caseworker", "supervisor", "auditor", "prosecutor"])
def test_only_admins_reach_the_page(client, create_user, login_as, role):
    login_as(create_user(role))
    assert client.get(PAGE).status_code == 403


def test_imported_requests_are_found_by_any_part_of_their_texts(runner, db, create_user,
                                                                login_as):
    """q= after an import: on SQLite the executemany fills cases_fts through its insert
    trigger (e6184fd), on PostgreSQL the trigram indexes serve the same search."""
    from mla.cases.queries import CaseFilters, case_page

    assert _import(runner, SAMPLE).exit_code == 0
    me = create_user("supervisor")
    login_as(me)
    case = db.session.scalars(select(Case).where(Case.domestic_reference == "CA/19/112")).one()

    def found(q: str) -> list[str]:
        return [c.reference for c in case_page(me, CaseFilters(q=q), 1, 50).items]

    assert found("INVOICE FRAUD") == [case.reference]
    assert found("fr-2019-004") == [case.reference]
    assert found(case.reference[2:].lower()) == [case.reference]
    if db.engine.dialect.name == "sqlite":
        # FTS5 compares the index with the content table (cases: rank 1) and raises
        # ('malformed') if an imported row is missing from it or indexed with other text.
        db.session.execute(text(
            "INSERT INTO cases_fts (cases_fts, rank) VALUES ('integrity-check', 1)"))
