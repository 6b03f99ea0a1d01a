"""Reading a register: CSV through the csv module, .xlsx through calamine
(python-calamine, a Rust reader). Both give the header and then one dict per row, with the row's
number as a spreadsheet shows it (the header is row 1). A cell is its text, or, for a
workbook's date cell, the date itself (a ``date``, or a ``datetime`` when it has a
time): a date cell is a date whatever format the mapping gives for dates written as
text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from flask_babel import gettext as _
from python_calamine import CalamineWorkbook

from mla.imports.mapping import Mapping

SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t|"
# Set on a row with more filled cells than the header has columns (a malformed row).
EXTRA_CELLS = "\0extra"

Cell = str | date  # a datetime is a date
Row = dict[str, Cell]


class UnreadableRegister(ValueError):
    """The file as a whole cannot be read (not UTF-8, not a workbook, no header)."""


@dataclass
class Register:
    header: list[str]
    rows: Iterator[tuple[int, Row]]
    total: int | None  # rows below the header, when known before reading them


def open_register(path: Path, mapping: Mapping, content: bytes | None = None) -> Register:
    """The register at ``path``, or uploaded as ``content`` under that name."""
    source: Path | io.BytesIO = path if content is None else io.BytesIO(content)
    if path.suffix.lower() == ".xlsx":
        return _xlsx(source, mapping)
    if path.suffix.lower() in {".csv", ".txt"}:
        return _csv(path.read_bytes() if content is None else content, mapping)
    raise UnreadableRegister(_("Only .csv and .xlsx registers can be imported."))


def _csv(content: bytes, mapping: Mapping) -> Register:
    try:
        text = content.decode(mapping.encoding)
    except UnicodeDecodeError:
        raise UnreadableRegister(_("The file is not %(encoding)s text; save it as UTF-8 CSV.",
                                   encoding=mapping.encoding)) from None
    except LookupError:
        raise UnreadableRegister(_("Unknown encoding %(encoding)r in the mapping.",
                                   encoding=mapping.encoding)) from None
    text = text.removeprefix("\ufeff")
    delimiter = mapping.delimiter or _sniff(text[:SNIFF_BYTES])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [cell.strip() for cell in next(reader, [])]
    if not any(header):
        raise UnreadableRegister(_("The file has no header row."))
    total = max(text.count("\n") - 1 + (0 if text.endswith("\n") else 1), 0)

    def rows() -> Iterator[tuple[int, Row]]:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            yield number, _row(header, cells)
    return Register(header, rows(), total)


def _sniff(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def _xlsx(source: Path | io.BytesIO, mapping: Mapping) -> Register:
    """The sheet's cells as calamine reads them (Rust): the whole sheet's values are
    read at once, about 1 s of CPU per 100,000 rows, where openpyxl's read-only mode
    took about 24 s (and read a sheet without a dimension record twice to size it)."""
    try:
        workbook = (CalamineWorkbook.from_path(str(source)) if isinstance(source, Path)
                    else CalamineWorkbook.from_filelike(source))
    except Exception:  # calamine/zip raise many kinds for a file that is no workbook
        raise UnreadableRegister(_("The file is not an .xlsx workbook.")) from None
    try:
        if mapping.sheet and mapping.sheet not in workbook.sheet_names:
            raise UnreadableRegister(_("The workbook has no sheet named %(sheet)r.",
                                       sheet=mapping.sheet))
        sheet = (workbook.get_sheet_by_name(mapping.sheet) if mapping.sheet
                 else workbook.get_sheet_by_index(0))
        first_row, _first_column = sheet.start or (0, 0)
        values = sheet.iter_rows()
        # The used range starts at its first filled row: the header must be row 1.
        header = [_text(cell).strip() for cell in next(values, [])] if first_row == 0 else []
    except UnreadableRegister:
        workbook.close()
        raise
    except Exception:
        workbook.close()
        raise UnreadableRegister(_("The file is not an .xlsx workbook.")) from None
    if not any(header):
        workbook.close()
        raise UnreadableRegister(_("The file has no header row."))
    total = max(sheet.height - 1, 0)

    def rows() -> Iterator[tuple[int, Row]]:
        try:
            for number, cells in enumerate(values, start=2):
                found = [_value(cell) for cell in cells]
                if any(isinstance(v, date) or v.strip() for v in found):
                    yield number, _row(header, found)
        finally:
            workbook.close()
    return Register(header, rows(), total)


def _value(cell: object) -> Cell:
    """A workbook cell: a date cell as it is (calamine gives a date, or a datetime when
    the cell has a time), anything else as text."""
    if isinstance(cell, date):
        return cell
    return _text(cell)


def cell_text(cell: Cell) -> str:
    """A cell as text: a date cell as an ISO date (with its time, if it has one)."""
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return cell


def _text(cell: object) -> str:
    """A cell as the register's text."""
    if cell is None:
        return ""
    if isinstance(cell, date):
        return cell_text(cell)
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def _row(header: list[str], cells: list[str] | list[Cell]) -> Row:
    row: Row = dict(zip(header, cells, strict=False))
    if len(cells) > len(header) and any(isinstance(c, date) or c.strip()
                                        for c in cells[len(header):]):
        row[EXTRA_CELLS] = str(len(cells))
    if len(cells) < len(header):
        row.update(dict.fromkeys(header[len(cells):], ""))
    return row
