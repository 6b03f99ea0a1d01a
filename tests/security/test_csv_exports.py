"""Every CSV Comity writes shows formulas as text (OWASP "CSV injection")."""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import mla
from mla.core.text import csv_cell, csv_text, csv_uncell

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)",
            "\tcmd", "\rcmd"]


def test_the_shared_helper_neutralises_every_formula_start():
    assert [csv_cell(value) for value in FORMULAS] == ["'" + value for value in FORMULAS]
    assert [csv_cell(value) for value in (-5, 2.5, "plain", "")] == [-5, 2.5, "plain", ""]
    assert [csv_uncell(csv_cell(value)) for value in FORMULAS] == FORMULAS
    text = csv_text(["a", "b"], [["=1+1", -5]])
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["a", "b"], ["'=1+1", "-5"]]


def test_the_offence_catalogue_export_is_neutralised_and_reads_back(db, create_user):
    from mla.dualcrim.catalogue import export_catalogue, import_catalogue_text

    admin = create_user("admin")
    source = ("code,title,statute,max_penalty_months,iccs\n"
              'XQ-1,"=HYPERLINK(""http://evil.example"")",+Penal Code s.1,60,0701\n')
    import_catalogue_text(admin, "XA", source)
    exported = export_catalogue("XA")
    row = list(csv.reader(io.StringIO(exported, newline="")))[1]
    assert row[1].startswith("'=") and row[2].startswith("'+")
    import_catalogue_text(admin, "XA", exported)  # an export is a valid import
    assert export_catalogue("XA") == exported


def test_the_class_accounts_list_is_neutralised():
    from mla.sandbox.services import CreatedAccount, accounts_csv

    text = accounts_csv([CreatedAccount("ann", "=cmd|' /C calc'!A0", "trainee", "pw")])
    row = list(csv.reader(io.StringIO(text, newline="")))[1]
    assert row[1] == "'=cmd|' /C calc'!A0"


def test_no_module_writes_csv_but_through_the_shared_helper():
    root = Path(mla.__file__).parent
    writers = []
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr in {"writer", "DictWriter"}
                    and isinstance(node.value, ast.Name) and node.value.id == "csv"):
                writers.append(str(path.relative_to(root)))
    assert sorted(set(writers)) == ["core/text.py"]
