"""Catalogue import (CONTRACT.md CSV): all-or-nothing, errors name the line, bulk speed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from mla.dualcrim.catalogue import (
    CatalogueImportError,
    export_catalogue,
    import_catalogue_text,
    update_offence,
)
from mla.dualcrim.models import (
    Assessment,
    CatalogueOffence,
    CatalogueOffenceIccs,
    OffenceCatalogue,
)

HEADER = "code,title,statute,max_penalty_months,iccs\n"
GOOD = HEADER + ("XA-1,Fraud,PC 1,60,0701\n"
                 "XA-2,Computer fraud,PC 2,36,0701;0903\n"
                 "XA-3,Murder,PC 3,life,0101\n")


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_import_stores_offences_codes_and_life(db):
    catalogue = import_catalogue_text("test", "XA", GOOD, source_name="xa.csv")
    assert catalogue.offence_count == 3
    murder = db.session.scalar(select(CatalogueOffence).where(CatalogueOffence.code == "XA-3"))
    assert murder.is_life and murder.penalty_label == "life"
    computer = db.session.scalar(select(CatalogueOffence)
                                 .where(CatalogueOffence.code == "XA-2"))
    assert computer.iccs_codes == ["0701", "0903"]
    assert count(db, CatalogueOffenceIccs) == 4


@pytest.mark.parametrize(("text", "expected"), [
    (HEADER + "XA-1,Fraud,PC 1,60\n", "line 2: expected 5 fields, found 4"),
    (HEADER + "XA-1,Fraud,PC 1,60,0701\nXA-2,,PC,12,0701\n", "line 3: a title"),
    (HEADER + "XA-1,Fraud,PC 1,-4,0701\n", "line 2: max_penalty_months must be"),
    (HEADER + "XA-1,Fraud,PC 1,0,0701\n", "line 2: max_penalty_months must be"),
    (HEADER + "XA-1,Fraud,PC 1,twelve,0701\n", "line 2: max_penalty_months must be"),
    (HEADER + "XA-1,Fraud,PC 1,12,0799\n", "line 2: unknown ICCS code(s): 0799"),
    (HEADER + "XA-1,Fraud,PC 1,12,\n", "line 2: at least one ICCS code"),
    (HEADER + "XA-1,Fraud,PC 1,12,0701\nXA-2,Theft,PC 2,12,0502\nXA-1,Again,PC,12,0701\n",
     "line 4: duplicate code XA-1 (first on line 2)"),
    ("code,title,iccs\nXA-1,Fraud,0701\n", "line 1: missing column(s): statute, "
                                           "max_penalty_months"),
    ("", "line 1: the file is empty"),
    (HEADER, "the catalogue has no offence"),
])
def test_import_errors_name_the_line(db, text, expected):
    with pytest.raises(CatalogueImportError) as info:
        import_catalogue_text("test", "XA", text)
    assert any(expected in error for error in info.value.errors), info.value.errors
    assert count(db, CatalogueOffence) == 0


def test_import_reports_every_bad_line(db):
    text = HEADER + "A,Fraud,PC,60,0701\nB,Bad,PC,x,0701\nC,Bad,PC,12,9999\nD,Ok,PC,12,0502\n"
    with pytest.raises(CatalogueImportError) as info:
        import_catalogue_text("test", "XA", text)
    assert [e.split(":")[0] for e in info.value.errors] == ["line 3", "line 4"]


def test_failed_reimport_keeps_the_previous_catalogue(db):
    import_catalogue_text("test", "XA", GOOD)
    db.session.commit()
    with pytest.raises(CatalogueImportError):
        import_catalogue_text("test", "XA", GOOD + "XA-9,Broken,PC,12,0799\n")
    db.session.rollback()
    assert count(db, CatalogueOffence) == 3


def test_reimport_replaces_the_catalogue_and_keeps_assessments(db, make_case):
    from mla.dualcrim.services import record_assessment

    import_catalogue_text("test", "XZ", HEADER + "XZ-1,Fraud,PC 1,60,0701\n")
    case = make_case()
    assessment = record_assessment("test", case, case.offences[0], iccs=["0701"],
                                   decision="agree")
    db.session.commit()
    import_catalogue_text("test", "XZ", HEADER + "XZ-9,Deception,PC 9,24,0701\n")
    db.session.commit()
    codes = db.session.scalars(select(CatalogueOffence.code)).all()
    assert codes == ["XZ-9"]
    kept = db.session.get(Assessment, assessment.id)
    assert [m["code"] for m in kept.result["matches"]] == ["XZ-1"]
    assert kept.verdict == "satisfied"


def test_unknown_jurisdiction_is_refused(db):
    from mla.core.errors import ServiceError

    with pytest.raises(ServiceError, match="Unknown country"):
        import_catalogue_text("test", "QQ", GOOD)


def test_export_round_trips(db):
    import_catalogue_text("test", "XA", GOOD)
    exported = export_catalogue("XA")
    assert exported.splitlines()[0] == HEADER.strip()
    assert "XA-3,Murder,PC 3,life,0101" in exported
    import_catalogue_text("test", "XB", exported)
    assert count(db, CatalogueOffence) == 6


def test_edit_offence_keeps_link_penalties_in_step(db):
    import_catalogue_text("test", "XA", GOOD)
    offence = db.session.scalar(select(CatalogueOffence).where(CatalogueOffence.code == "XA-1"))
    update_offence("test", offence, title="Fraud", statute="PC 1", max_penalty_months=84,
                   iccs=["0701", "07019"])
    links = db.session.scalars(select(CatalogueOffenceIccs)
                               .where(CatalogueOffenceIccs.offence_id == offence.id)).all()
    assert sorted((link.iccs_code, link.max_penalty_months) for link in links) == [
        ("0701", 84), ("07019", 84)]


def test_cli_import_all_or_nothing_names_the_line(runner, db, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD + "XA-4,Theft,PC 4,12,0799\n", encoding="utf-8")
    result = runner.invoke(args=["offences", "import", str(bad), "--jurisdiction", "XA"])
    assert result.exit_code != 0
    assert "line 5: unknown ICCS code(s): 0799" in result.output
    assert count(db, CatalogueOffence) == 0
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["offences", "import", str(good), "--jurisdiction", "xa"])
    assert result.exit_code == 0, result.output
    assert "Imported 3 offences for XA." in result.output
    assert db.session.get(OffenceCatalogue, "XA").source_name == "good.csv"


def test_cli_unknown_country_and_bad_encoding(runner, db, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["offences", "import", str(path), "--jurisdiction", "QQ"])
    assert result.exit_code != 0 and "Unknown country code QQ" in result.output
    path.write_bytes(GOOD.encode("utf-8") + b"XA-5,Th\xe9ft,PC,12,0502\n")
    result = runner.invoke(args=["offences", "import", str(path), "--jurisdiction", "XA"])
    assert result.exit_code != 0 and "line" in result.output
    assert count(db, CatalogueOffence) == 0


@pytest.mark.slow
def test_cli_imports_50000_rows_in_bulk(runner, db, tmp_path):
    """Speed is measured in bench/catalogue_import.py, against itself in one run."""
    codes = ["0101", "0502", "0701", "07011", "070111", "07041", "0903", "06012"]
    lines = [HEADER.strip()]
    lines += [f"XB-{n},Offence {n},Act s.{n},{n % 240 + 1},{codes[n % len(codes)]};"
              f"{codes[(n + 3) % len(codes)]}" for n in range(50_000)]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(args=["offences", "import", str(path), "--jurisdiction", "XB"])
    assert result.exit_code == 0, result.output
    assert count(db, CatalogueOffence) == 50_000
    assert count(db, CatalogueOffenceIccs) == 100_000


def test_penalties_in_other_digit_forms_are_refused_with_the_line(app_ctx):
    from mla.dualcrim.catalogue import parse_penalty

    assert parse_penalty("36") == 36
    assert parse_penalty("6²") is None       # int() would raise: once a 500
    assert parse_penalty("٣٦") is None       # Arabic-Indic digits: say so, do not guess
