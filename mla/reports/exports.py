"""A report table as an .xlsx workbook (XlsxWriter): one sheet, the header in bold, numbers
as numbers, and every text cell written as text (never a formula or a link)."""

from __future__ import annotations

import io

import xlsxwriter

from mla.reports.tables import Table

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(table: Table) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                                     "strings_to_urls": False, "strings_to_numbers": False})
    sheet = book.add_worksheet(table.name[:31])
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, [str(c) for c in table.columns], bold)
    for index, row in enumerate(table.rows, start=1):
        sheet.write_row(index, 0, [_cell(value) for value in row])
    sheet.set_column(0, 0, 40)
    book.close()
    return out.getvalue()


def _cell(value: object) -> object:
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        return value
    return str(value)
