"""Offence catalogues: import (all-or-nothing), export, edit, search; ICCS extensions."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import selectinload

from mla.audit.services import record_audit
from mla.auth.actors import Actor
from mla.cases.constants import LIFE_MONTHS
from mla.core.clock import now
from mla.core.errors import ServiceError
from mla.core.text import csv_text, csv_uncell
from mla.dualcrim.models import CatalogueOffence, CatalogueOffenceIccs, OffenceCatalogue
from mla.extensions import db
from mla.reference.models import IccsCode, iccs_lineage
from mla.reference.services import known_country

COLUMNS = ("code", "title", "statute", "max_penalty_months", "iccs")
MAX_ERRORS = 50
CHUNK = 2000


class CatalogueImportError(ServiceError):
    """The file cannot be imported; ``errors`` name the lines."""

    def __init__(self, errors: list[str]) -> None:
        shown = errors[:MAX_ERRORS]
        more = len(errors) - len(shown)
        message = _("The catalogue was not imported: %(count)d problem(s).", count=len(errors))
        super().__init__(message, code="invalid_catalogue",
                         details={"errors": shown, "more": more})
        self.errors = errors


@dataclass
class OffenceRow:
    line: int
    code: str
    title: str
    statute: str
    max_penalty_months: int
    iccs: list[str] = field(default_factory=list)


def parse_penalty(value: str) -> int | None:
    """A positive whole number of months, or 'life'; None when neither."""
    text = value.strip()
    if text.lower() == "life":
        return LIFE_MONTHS
    if not text.isascii() or not text.isdigit():  # not '٣٦' or '6²': ASCII digits only
        return None
    months = int(text)
    return months if 0 < months < LIFE_MONTHS else None


def known_iccs_codes() -> set[str]:
    return set(db.session.scalars(select(IccsCode.code)))


def parse_catalogue(lines: Iterable[str], known_codes: set[str]) -> list[OffenceRow]:
    """Read the CONTRACT.md CSV; every problem names its line; raises if any."""
    errors: list[str] = []
    reader = csv.reader(lines)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise CatalogueImportError([_("line 1: the file is empty")]) from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise CatalogueImportError([_("line 1: %(error)s", error=str(exc))]) from None
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise CatalogueImportError([_("line 1: missing column(s): %(names)s",
                                      names=", ".join(missing))])
    index = {name: header.index(name) for name in COLUMNS}
    rows: list[OffenceRow] = []
    first_line: dict[str, int] = {}
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except (csv.Error, UnicodeDecodeError) as exc:
            errors.append(_("line %(line)d: %(error)s", line=reader.line_num + 1,
                            error=str(exc)))
            break
        line = reader.line_num
        if not raw or all(not cell.strip() for cell in raw):
            continue
        if len(raw) != len(header):
            errors.append(_("line %(line)d: expected %(want)d fields, found %(got)d",
                            line=line, want=len(header), got=len(raw)))
            continue
        row = _parse_row(line, raw, index, known_codes, errors)
        if row is None:
            continue
        if row.code in first_line:
            errors.append(_("line %(line)d: duplicate code %(code)s (first on line %(first)d)",
                            line=line, code=row.code, first=first_line[row.code]))
            continue
        first_line[row.code] = line
        rows.append(row)
    if not rows and not errors:
        errors.append(_("line 2: the catalogue has no offence"))
    if errors:
        raise CatalogueImportError(errors)
    return rows


def _parse_row(line: int, raw: list[str], index: dict[str, int], known_codes: set[str],
               errors: list[str]) -> OffenceRow | None:
    # An export neutralised formulas with a leading apostrophe: read them back as typed.
    code = csv_uncell(raw[index["code"]].strip())
    title = csv_uncell(raw[index["title"]].strip())
    statute = csv_uncell(raw[index["statute"]].strip())
    problems = []
    if not code or len(code) > 60:
        problems.append(_("a code of 1 to 60 characters is required"))
    if not title or len(title) > 300:
        problems.append(_("a title of 1 to 300 characters is required"))
    if len(statute) > 300:
        problems.append(_("the statute is longer than 300 characters"))
    penalty = parse_penalty(raw[index["max_penalty_months"]])
    if penalty is None:
        problems.append(_("max_penalty_months must be a positive whole number or 'life', "
                          "not %(value)r", value=raw[index["max_penalty_months"]].strip()))
    codes = list(dict.fromkeys(c.strip() for c in raw[index["iccs"]].split(";") if c.strip()))
    if not codes:
        problems.append(_("at least one ICCS code is required"))
    unknown = [c for c in codes if c not in known_codes]
    if unknown:
        problems.append(_("unknown ICCS code(s): %(codes)s", codes=", ".join(unknown)))
    if problems:
        errors.append(_("line %(line)d: %(problems)s", line=line, problems="; ".join(problems)))
        return None
    return OffenceRow(line, code, title, statute, penalty or 0, codes)


def import_catalogue(actor: Actor, jurisdiction: str, rows: list[OffenceRow], *,
                     source_name: str = "",
                     progress: Callable[[int], None] | None = None) -> OffenceCatalogue:
    """Replace the jurisdiction's catalogue with ``rows`` in bulk (flush, no commit)."""
    jurisdiction = jurisdiction.upper()
    if known_country(jurisdiction) is None:
        raise ServiceError(_("Unknown country code %(code)s.", code=jurisdiction),
                           code="invalid", details={"field": "jurisdiction"})
    db.session.flush()
    db.session.execute(delete(CatalogueOffenceIccs)
                       .where(CatalogueOffenceIccs.jurisdiction == jurisdiction))
    db.session.execute(delete(CatalogueOffence)
                       .where(CatalogueOffence.jurisdiction == jurisdiction))
    catalogue = db.session.get(OffenceCatalogue, jurisdiction)
    replaced = catalogue is not None
    if catalogue is None:
        catalogue = OffenceCatalogue(jurisdiction=jurisdiction)
        db.session.add(catalogue)
    catalogue.source_name = source_name[:200]
    catalogue.offence_count = len(rows)
    catalogue.imported_at = now()
    catalogue.imported_by_id = getattr(actor, "id", None)
    db.session.flush()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        ids = db.session.scalars(
            insert(CatalogueOffence).returning(CatalogueOffence.id,
                                               sort_by_parameter_order=True),
            [{"jurisdiction": jurisdiction, "code": r.code, "title": r.title,
              "title_search": r.title.casefold(), "statute": r.statute,
              "max_penalty_months": r.max_penalty_months} for r in chunk],
        ).all()
        db.session.execute(insert(CatalogueOffenceIccs), [
            {"offence_id": offence_id, "iccs_code": code, "jurisdiction": jurisdiction,
             "max_penalty_months": r.max_penalty_months, "position": position}
            for offence_id, r in zip(ids, chunk, strict=True)
            for position, code in enumerate(r.iccs)])
        if progress is not None:
            progress(len(chunk))
    db.session.expire_all()
    record_audit(actor, "dualcrim.catalogue_imported", object_type="offence_catalogues",
                 object_id=jurisdiction, offences=len(rows), replaced=replaced)
    return db.session.get(OffenceCatalogue, jurisdiction)  # type: ignore[return-value]


def import_catalogue_text(actor: Actor, jurisdiction: str, text: str, *,
                          source_name: str = "") -> OffenceCatalogue:
    rows = parse_catalogue(io.StringIO(text.lstrip("\ufeff"), newline=""), known_iccs_codes())
    return import_catalogue(actor, jurisdiction, rows, source_name=source_name)


def export_catalogue(jurisdiction: str) -> str:
    stmt = (select(CatalogueOffence).where(CatalogueOffence.jurisdiction == jurisdiction)
            .options(selectinload(CatalogueOffence.iccs_links))
            .order_by(CatalogueOffence.code))
    return csv_text(COLUMNS, ([offence.code, offence.title, offence.statute,
                               offence.penalty_label, ";".join(offence.iccs_codes)]
                              for offence in db.session.scalars(stmt)))


def update_offence(actor: Actor, offence: CatalogueOffence, *, title: str, statute: str,
                   max_penalty_months: int, iccs: list[str]) -> CatalogueOffence:
    title, statute = title.strip(), statute.strip()
    codes = list(dict.fromkeys(c.strip() for c in iccs if c.strip()))
    if not title:
        raise ServiceError(_("A title is required."), code="invalid", details={"field": "title"})
    if not 0 < max_penalty_months <= LIFE_MONTHS:
        raise ServiceError(_("The maximum penalty is a positive number of months, or life."),
                           code="invalid", details={"field": "max_penalty_months"})
    if not codes:
        raise ServiceError(_("At least one ICCS code is required."), code="invalid",
                           details={"field": "iccs"})
    found = set(db.session.scalars(select(IccsCode.code).where(IccsCode.code.in_(codes))))
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ServiceError(_("Unknown ICCS codes: %(codes)s.", codes=", ".join(unknown)),
                           code="invalid", details={"field": "iccs"})
    before = {"max_penalty_months": offence.max_penalty_months, "iccs": offence.iccs_codes}
    offence.title, offence.title_search = title, title.casefold()
    offence.statute = statute
    offence.max_penalty_months = max_penalty_months
    offence.iccs_links.clear()
    db.session.flush()
    for position, code in enumerate(codes):
        offence.iccs_links.append(CatalogueOffenceIccs(
            iccs_code=code, jurisdiction=offence.jurisdiction,
            max_penalty_months=max_penalty_months, position=position))
    db.session.flush()
    record_audit(actor, "dualcrim.offence_updated", offence, code=offence.code,
                 before=before, after={"max_penalty_months": max_penalty_months, "iccs": codes})
    return offence


def search_offences(jurisdiction: str, q: str = "", *, limit: int = 50,
                    offset: int = 0) -> tuple[list[CatalogueOffence], int]:
    stmt = select(CatalogueOffence).where(CatalogueOffence.jurisdiction == jurisdiction)
    term = q.strip()
    if term:
        stmt = stmt.where(or_(
            CatalogueOffence.code.startswith(term, autoescape=True),
            CatalogueOffence.title_search.contains(term.casefold(), autoescape=True),
        ))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(stmt.options(selectinload(CatalogueOffence.iccs_links))
                              .order_by(CatalogueOffence.code).limit(limit).offset(offset)).all()
    return list(rows), total


def catalogue_suggestions(jurisdiction: str, words: str, limit: int = 8) -> list[CatalogueOffence]:
    """Offences of the counterpart whose title shares a word with ``words``."""
    terms = [w for w in words.casefold().split() if len(w) >= 4][:5]
    if not terms:
        return []
    stmt = (select(CatalogueOffence)
            .where(CatalogueOffence.jurisdiction == jurisdiction,
                   or_(*(CatalogueOffence.title_search.contains(t, autoescape=True)
                         for t in terms)))
            .options(selectinload(CatalogueOffence.iccs_links))
            .order_by(CatalogueOffence.code).limit(limit))
    return list(db.session.scalars(stmt))


# --- ICCS ---------------------------------------------------------------------------------

def search_iccs(q: str = "", limit: int = 400) -> list[IccsCode]:
    stmt = select(IccsCode)
    term = q.strip()
    if term:
        words = term.casefold().split()
        if term.isascii() and term.isdigit():
            stmt = stmt.where(IccsCode.code.startswith(term))
        else:
            for word in words:
                stmt = stmt.where(func.lower(IccsCode.title).contains(word, autoescape=True))
    return list(db.session.scalars(stmt.order_by(IccsCode.code).limit(limit)))


def add_iccs_extension(actor: Actor, *, parent_code: str, code: str, title: str) -> IccsCode:
    """A national subdivision below an existing code; its code extends the parent's."""
    parent = db.session.get(IccsCode, parent_code.strip())
    code, title = code.strip(), title.strip()
    if parent is None:
        raise ServiceError(_("Unknown parent code."), code="invalid",
                           details={"field": "parent_code"})
    if not (code.isascii() and code.isdigit()) or len(code) > 8:
        raise ServiceError(_("An ICCS code is made of digits (at most 8)."), code="invalid",
                           details={"field": "code"})
    if len(iccs_lineage(code)) < 2 or iccs_lineage(code)[1] != parent.code:
        raise ServiceError(
            _("The code must extend its parent's code by one level (e.g. %(example)s).",
              example=parent.code + ("01" if len(parent.code) == 2 else "1")),
            code="invalid", details={"field": "code"})
    if parent.level >= 6:
        raise ServiceError(_("That code cannot be subdivided further."), code="invalid",
                           details={"field": "parent_code"})
    if db.session.get(IccsCode, code) is not None:
        raise ServiceError(_("That code already exists."), code="invalid",
                           details={"field": "code"})
    if not title:
        raise ServiceError(_("A title is required."), code="invalid", details={"field": "title"})
    node = IccsCode(code=code, level=parent.level + 1, parent_code=parent.code,
                    title=title[:300], is_extension=True)
    db.session.add(node)
    db.session.flush()
    record_audit(actor, "dualcrim.iccs_extended", object_type="iccs_codes", object_id=code,
                 parent=parent.code)
    return node
