"""Key rotation: seal every value and document again under the active key, in batches.

What is left to do is read from the data itself, never from a progress record: each
ciphertext names the key it was sealed under (mla.core.crypto), so a batch selects
values whose key id is not the active one, and a run killed half-way simply leaves
fewer of them for the next run. Each batch commits on its own.

Every column of type ``SealedBytes`` is found in the metadata; documents (their sealed
content in ``document_contents`` or in files) go through mla.documents.storage. Blind
indexes (columns whose ``info`` names ``blind_index_of``) are rebuilt from the values
they index: a row whose index already matches the current index key is skipped.

A value updated by someone else between our read and our write is left alone (the
update compares the old ciphertext): it was written under the key its writer held,
and the next pass looks at it again.
"""

from __future__ import annotations

import string
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Column,
    LargeBinary,
    Table,
    and_,
    func,
    literal_column,
    select,
    type_coerce,
    update,
)

from mla.cases.models import Person
from mla.core.crypto import KeyRing, KeyRingError, SealedBytes, SealedText
from mla.documents import storage
from mla.documents.models import Document
from mla.extensions import db

DEFAULT_BATCH_SIZE = 200
_KEY_ID = struct.Struct(">I")


@dataclass(frozen=True)
class SealedColumn:
    """A column of sealed values and the associated data each was sealed with."""

    table: Table
    column: Column[Any]
    context: str  # template over the row's columns

    @property
    def label(self) -> str:
        return f"{self.table.name}.{self.column.name}"

    @property
    def raw(self) -> Any:
        """The column as stored bytes (SealedText would open them on the way out)."""
        return type_coerce(self.column, LargeBinary)

    def context_for(self, row: Any) -> str:
        return self.context.format(**row._mapping)


@dataclass(frozen=True)
class BlindIndexColumn:
    table: Table
    column: Column[Any]
    source: SealedColumn
    purpose: str

    @property
    def label(self) -> str:
        return f"{self.table.name}.{self.column.name}"


@dataclass
class Outcome:
    """What a pass did: values sealed again, and the ones that would not open."""

    resealed: int = 0
    unreadable: list[str] = field(default_factory=list)  # "table.column #pk"


def sealed_columns() -> list[SealedColumn]:
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, SealedBytes | SealedText):
                found.append(SealedColumn(table, column, column.type.context))
    return found


def blind_index_columns() -> list[BlindIndexColumn]:
    sealed = {(s.table.name, s.column.name): s for s in sealed_columns()}
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            source = column.info.get("blind_index_of")
            if source:
                found.append(BlindIndexColumn(table, column, sealed[(table.name, source)],
                                              column.info["blind_index_purpose"]))
    return found


def _primary_key(table: Table) -> Column[Any]:
    (pk,) = table.primary_key.columns
    return pk


def _key_header(column: Any) -> Any:
    """The 4 bytes of a sealed value that name its key (substr works on BLOB and bytea).
    Literal positions: PostgreSQL must see the same expression in SELECT and GROUP BY."""
    return func.substr(column, literal_column("2"), literal_column("4"))


def _not_under(column: Any, key_id: int) -> Any:
    """Rows whose value is sealed under another key than ``key_id`` (its header bytes)."""
    return and_(column.is_not(None), _key_header(column) != _KEY_ID.pack(key_id))


def pending_values(ring: KeyRing) -> dict[str, int]:
    """How many values of each sealed column are not under the active key."""
    counts = {}
    for sealed in sealed_columns():
        counts[sealed.label] = db.session.scalar(
            select(func.count()).select_from(sealed.table)
            .where(_not_under(sealed.column, ring.active_id))) or 0
    return counts


def values_by_key() -> dict[int, int]:
    """How many sealed values (documents included) each key id seals now."""
    counts: dict[int, int] = {}
    for sealed in sealed_columns():
        header = _key_header(sealed.column)
        rows = db.session.execute(select(header, func.count())
                                  .where(sealed.column.is_not(None)).group_by(header))
        for header, count in rows:
            key_id = _KEY_ID.unpack(bytes(header))[0]
            counts[key_id] = counts.get(key_id, 0) + count
    for key_id in _document_key_ids():
        counts[key_id] = counts.get(key_id, 0) + 1
    return counts


def _document_key_ids() -> Iterator[int]:
    for _document_id, key_id in storage.content_key_ids():
        yield key_id


def reseal_values(ring: KeyRing, batch_size: int, commit: Callable[[int], None]) -> Outcome:
    """Seal every value not under the active key again, ``batch_size`` rows at a time,
    calling ``commit(values looked at)`` after each batch (it commits)."""
    outcome = Outcome()
    for sealed in sealed_columns():
        pk = _primary_key(sealed.table)
        needed = {pk, sealed.raw.label(sealed.column.name)} | {
            sealed.table.c[name] for name in _fields(sealed.context)}
        last: Any = None
        while True:
            query = (select(*needed).where(_not_under(sealed.column, ring.active_id))
                     .order_by(pk).limit(batch_size))
            if last is not None:
                query = query.where(pk > last)
            rows = db.session.execute(query).all()
            if not rows:
                break
            for row in rows:
                last = row._mapping[pk.name]
                old = bytes(row._mapping[sealed.column.name])
                context = sealed.context_for(row)
                try:
                    plain = ring.decrypt(old, context=context)
                except KeyRingError:
                    outcome.unreadable.append(f"{sealed.label} #{last}")
                    continue
                db.session.execute(
                    update(sealed.table)
                    .where(pk == last, sealed.raw == old)
                    .values({sealed.column.name: type_coerce(
                        ring.encrypt(plain, context=context), LargeBinary)}))
                outcome.resealed += 1
            commit(len(rows))
    return outcome


def _fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def pending_documents(ring: KeyRing) -> int:
    return sum(1 for key_id in _document_key_ids() if key_id != ring.active_id)


def reseal_documents(ring: KeyRing, batch_size: int, commit: Callable[[int], None]) -> Outcome:
    """Seal every document's content not under the active key again (either store)."""
    outcome = Outcome()
    last = 0
    while True:
        rows = db.session.execute(
            select(Document.id, Document.uid).where(Document.id > last)
            .order_by(Document.id).limit(batch_size)).all()
        if not rows:
            break
        done = 0
        for document_id, uid in rows:
            last = document_id
            try:
                if storage.reseal_content(ring, document_id, uid):
                    outcome.resealed += 1
                    done += 1
            except KeyRingError:
                outcome.unreadable.append(f"documents #{document_id}")
                done += 1
        commit(done)
    return outcome


def rebuild_blind_indexes(ring: KeyRing, batch_size: int,
                          commit: Callable[[int], None]) -> Outcome:
    """Compute every blind index again under the ring's current index key."""
    outcome = Outcome()
    for index in blind_index_columns():
        source = index.source
        pk = _primary_key(index.table)
        needed = {pk, index.column, source.raw.label(source.column.name)} | {
            index.table.c[name] for name in _fields(source.context)}
        last: Any = None
        while True:
            query = select(*needed).order_by(pk).limit(batch_size)
            if last is not None:
                query = query.where(pk > last)
            rows = db.session.execute(query).all()
            if not rows:
                break
            for row in rows:
                last = row._mapping[pk.name]
                sealed_value = row._mapping[source.column.name]
                if sealed_value is None:
                    continue
                try:
                    plain = ring.decrypt(bytes(sealed_value), context=source.context_for(row))
                except KeyRingError:
                    outcome.unreadable.append(f"{index.label} #{last}")
                    continue
                digest = ring.blind_index(plain, purpose=index.purpose)
                if digest == row._mapping[index.column.name]:
                    continue
                db.session.execute(
                    update(index.table)
                    .where(pk == last, source.raw == sealed_value)
                    .values({index.column.name: digest}))
                outcome.resealed += 1
            commit(len(rows))
    return outcome


def count_blind_index_rows() -> int:
    return sum(db.session.scalar(select(func.count()).select_from(i.table)) or 0
               for i in blind_index_columns())


def count_persons() -> int:
    return db.session.scalar(select(func.count()).select_from(Person)) or 0
