"""A table as an .xlsx workbook (XlsxWriter): one sheet, the header in bold, numbers
as numbers, and every text cell written as text (never a formula or a link).

A report table (a few hundred aggregate rows at most) is built in memory. A long list is
written in XlsxWriter's ``constant_memory`` mode: each row goes to a temporary file as
the next one starts, so memory stays flat as rows grow (that mode is off with
``in_memory``, hence a temporary file for the workbook too).
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Generator, Iterable, Iterator, Sequence
from itertools import chain
from typing import IO, Any

import xlsxwriter
from flask_babel import gettext as _
from xlsxwriter.worksheet import Worksheet

from mla.reports.tables import Table

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A worksheet holds 1,048,576 rows (Excel's limit, XlsxWriter refuses past it): the
# header and this many more.
XLSX_MAX_ROWS = 1_048_575
# Bytes of a written workbook sent at once.
XLSX_CHUNK = 64 * 1024
_TEXT_ONLY = {"strings_to_formulas": False, "strings_to_urls": False,
              "strings_to_numbers": False}


def xlsx_bytes(table: Table) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, **_TEXT_ONLY})
    sheet = book.add_worksheet(table.name[:31])
    _write(book, sheet, table.columns, table.rows)
    book.close()
    return out.getvalue()


def xlsx_file(name: str, columns: Sequence[str], rows: Iterable[Sequence[Any]],
              overflow_note: str) -> IO[bytes]:
    """The rows as a workbook in a temporary file (read from its start; deleted when
    closed). Past XLSX_MAX_ROWS the rest is left out and a second sheet, "Note", says
    ``overflow_note``."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (the caller sends and closes it)
    book = xlsxwriter.Workbook(handle, {"constant_memory": True, **_TEXT_ONLY})
    sheet = book.add_worksheet(name[:31])
    if not _write(book, sheet, columns, rows, limit=XLSX_MAX_ROWS):
        note = book.add_worksheet(_("Note")[:31])
        note.write_string(0, 0, overflow_note)
        note.set_column(0, 0, 100)
    book.close()
    handle.seek(0)
    return handle


def xlsx_chunks(name: str, columns: Sequence[str],
                batches: Generator[list[list[Any]], None, None],
                overflow_note: str) -> Iterator[bytes]:
    """``xlsx_file`` for a streamed response: the workbook is written when the response
    is first read, so after the request's commit (the rows in a read of their own), then
    sent XLSX_CHUNK bytes at a time; its temporary file is closed with the response."""
    try:
        handle = xlsx_file(name, columns, chain.from_iterable(batches), overflow_note)
    finally:
        batches.close()
    with handle:
        while chunk := handle.read(XLSX_CHUNK):
            yield chunk


def _write(book: xlsxwriter.Workbook, sheet: Worksheet, columns: Sequence[str],
           rows: Iterable[Sequence[Any]], limit: int | None = None) -> bool:
    """Header and rows, in order (what constant_memory needs); False if rows were left
    out past ``limit``."""
    sheet.set_column(0, 0, 40)
    sheet.write_row(0, 0, [str(c) for c in columns], book.add_format({"bold": True}))
    for index, row in enumerate(rows, start=1):
        if limit is not None and index > limit:
            return False
        sheet.write_row(index, 0, [_cell(value) for value in row])
    return True


def _cell(value: object) -> object:
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        return value
    return str(value)
