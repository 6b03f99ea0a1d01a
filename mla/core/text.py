"""Text that leaves Comity for another program: a mail header, a calendar, a spreadsheet,
a page. Each helper makes a value safe for where it goes, and says why."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

# Characters that end a line somewhere: CR, LF, VT, FF, NEL, LINE and PARAGRAPH SEPARATOR.
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x85\u2028\u2029]+")

# Unicode bidirectional embeddings, overrides and isolates (UAX #9). Pasted into a name
# or a title they reorder what a reader sees ("Trojan Source", CVE-2021-42574):
# "invoice\u202efdp.exe" shows as "invoiceexe.pdf", and their effect runs on past the
# value into the rest of the line. The marks (LRM, RLM, ALM) stay: right-to-left
# writing uses them, and they reorder nothing beyond the neutral characters beside them.
BIDI_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_WITHOUT_BIDI = dict.fromkeys(map(ord, BIDI_OVERRIDES))

# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV
# injection"); tab and CR too, since some programs strip them and read what follows.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def has_line_break(value: str) -> bool:
    return bool(_LINE_BREAKS.search(value))


def single_line(value: str) -> str:
    """One line: every line break (and other control character) becomes a space.
    Mail headers and iCalendar properties are line-based: a break inside a value
    would start a header or a property of the attacker's choosing."""
    flat = _LINE_BREAKS.sub(" ", value)
    return "".join(" " if unicodedata.category(c) == "Cc" else c for c in flat).strip()


# A line of a list in a data file's text ("- ", "* ", "• ", "1. ", "2) "): it keeps its own line.
_LIST_LINE = re.compile(r"\s*(?:[-*\u2022]|\d+[.)])\s")


def unwrapped(value: str) -> str:
    """A data file's hard-wrapped text as a page should flow it: the line breaks inside a
    paragraph become spaces, blank lines between paragraphs and list lines stay. Shown
    with ``pre-line``, a scenario pack's 76-column lines otherwise end mid-sentence in a
    ragged column, in every language (translations keep the breaks)."""
    paragraphs = re.split(r"\n[ \t]*\n", value.strip())
    flowed = []
    for paragraph in paragraphs:
        lines: list[str] = []
        for line in paragraph.splitlines():
            line = line.strip()
            if lines and lines[-1] and line and not _LIST_LINE.match(line):
                # Chinese (and other wide scripts) writes no space between words.
                wide = all(unicodedata.east_asian_width(c) in ("W", "F")
                           for c in (lines[-1][-1], line[0]))
                lines[-1] += line if wide else f" {line}"
            else:
                lines.append(line)
        flowed.append("\n".join(lines))
    return "\n\n".join(flowed)


def strip_bidi(value: str) -> str:
    """Without bidi overrides. ``str.translate``, which markupsafe's Markup keeps as
    Markup: safe markup stays safe, since no removed character means anything in HTML."""
    return value.translate(_WITHOUT_BIDI)


def csv_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text, never runs: text starting like a formula
    gets a leading apostrophe (the OWASP advice; the apostrophe is not displayed).
    Numbers stay numbers, so a negative amount is not mangled."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    return "'" + value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(value) for value in values]


def csv_text(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """The one way Comity writes CSV: every cell through ``csv_cell``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(csv_row(header))
    writer.writerows(csv_row(row) for row in rows)
    return out.getvalue()


def csv_chunks(header: Iterable[str],
               batches: Iterable[Iterable[Iterable[Any]]]) -> Iterator[str]:
    """``csv_text`` for a streamed response: the header line, then one string per batch
    of rows, so only one batch is ever held in memory."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(csv_row(header))
    for rows in batches:
        writer.writerows(csv_row(row) for row in rows)
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    if out.tell():  # no batch at all: the header alone
        yield out.getvalue()


def csv_uncell(value: str) -> str:
    """What ``csv_cell`` wrote, read back: a CSV export can be imported again."""
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
