"""Sealing an existing plain column with the key ring in a migration, and opening it again.

A revision that turns a plain column into a sealed one (``SealedText``,
``SealedOptionalText``, ``SealedJSON``) calls ``seal_column`` going up and ``open_column``
going down with the same table, column and plain type::

    def upgrade():
        seal_column('case_measures', 'details', sa.Text(), optional=True)

    def downgrade():
        open_column('case_measures', 'details', sa.Text())

Each value is sealed under the context ``"<table>.<column>"``, the one the model's column
type names, with the running app's key ring (so `flask db upgrade` needs MLA_KEY_FILE or
MLA_KEY_RING, as the app does).

The column is replaced, never altered in place: ``<column>_new`` is added, filled from
``<column>`` BATCH rows at a time in id order (nothing held open while updating, one
executemany per batch), then the old column is dropped and the new one renamed. On
SQLite this goes through SQLite's own ALTER TABLE (DROP and RENAME COLUMN, SQLite
3.35+), never Alembic's batch mode: batch mode copies and drops the table, and dropping a
table that others point at (``cases``, ``letters``, ``case_links``) with foreign keys on
would cascade-delete their rows.

``in_batches`` is the same walk for a revision's own rewriting of other rows (timeline
entries whose data held what is now sealed).

Migration scripts import this module as ``mla.migrations.sealing``: ``mla/migrations``
is a namespace package (no ``__init__.py``) inside ``mla``, shipped in the wheel with
the rest of the directory as package data (pyproject.toml), so the import works from
the source tree and from an installed wheel alike.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVarTuple

import sqlalchemy as sa
from alembic import op

from mla.core.crypto import key_ring

#: Rows read and written at a time.
BATCH = 1000

Change = Callable[[Any], Any]
Columns = TypeVarTuple('Columns')


def seal_column(table: str, column: str, plain: sa.types.TypeEngine[Any], *,
                optional: bool = False, empty: Callable[[], Any] = list) -> None:
    """Replace ``table.column`` (of type ``plain``, NOT NULL) by its values sealed.

    ``optional`` (``SealedOptionalText``): an empty value ("", or for JSON an empty list
    or dict) is stored as NULL, nothing sealed, and the sealed column is nullable.
    Otherwise every value is sealed ("" for NULL) and the column stays NOT NULL.
    A JSON column (``plain`` is ``sa.JSON``) is sealed as its JSON text
    (``SealedJSON``), a NULL one as that of ``empty()``.
    """
    context = f'{table}.{column}'
    is_json = isinstance(plain, sa.JSON)

    def seal(value: Any) -> bytes | None:
        if is_json:
            if optional and not value:
                return None
            value = json.dumps(value if value is not None else empty(), ensure_ascii=False)
        elif optional:
            return key_ring().encrypt(value, context=context) if value else None
        return key_ring().encrypt(value or '', context=context)

    sqlite = 'BLOB' if optional else "BLOB NOT NULL DEFAULT x''"
    _replace(table, column, plain, sa.LargeBinary(), seal, sqlite_definition=sqlite,
             nullable=optional)


def open_column(table: str, column: str, plain: sa.types.TypeEngine[Any], *,
                empty: Callable[[], Any] = list, sqlite_type: str | None = None) -> None:
    """Replace the sealed ``table.column`` by its values opened, as a NOT NULL column of
    type ``plain``: the downgrade of ``seal_column``. NULL (nothing sealed) becomes ""
    (for JSON, ``empty()``, as does a sealed "").

    On SQLite the plain column is declared ``<type> NOT NULL DEFAULT ''`` (for JSON the
    JSON text of ``empty()``), ``<type>`` being ``plain`` compiled unless ``sqlite_type``
    names another (revisions f1a3c5e7b9d4 and b8d0f2a4c6e1 declared TEXT whatever the
    plain type, and keep doing so).
    """
    context = f'{table}.{column}'
    is_json = isinstance(plain, sa.JSON)

    def open_(value: Any) -> Any:
        opened = key_ring().decrypt(bytes(value), context=context) if value is not None else ''
        if is_json:
            return json.loads(opened) if opened else empty()
        return opened

    declared = sqlite_type or plain.compile(op.get_bind().dialect)
    blank = json.dumps(empty()) if is_json else ''
    definition = f"{declared} NOT NULL DEFAULT '{blank}'"
    _replace(table, column, sa.LargeBinary(), plain, open_, sqlite_definition=definition,
             nullable=False)


def _replace(table: str, column: str, old_type: sa.types.TypeEngine[Any],
             new_type: sa.types.TypeEngine[Any], change: Change, *,
             sqlite_definition: str, nullable: bool) -> None:
    """Add ``<column>_new`` (``new_type``), fill it with ``change`` of each row's
    ``column`` (read as ``old_type``) BATCH rows at a time in id order, then drop
    ``column`` and rename ``<column>_new`` to it."""
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    temporary = f'{column}_new'
    if sqlite:
        op.execute(f'ALTER TABLE {table} ADD COLUMN {temporary} {sqlite_definition}')
    else:
        op.add_column(table, sa.Column(temporary, new_type, nullable=True))
    rows_of = sa.table(table, sa.column('id', sa.Integer), sa.column(column, old_type),
                       sa.column(temporary, new_type))
    filled = (rows_of.update().where(rows_of.c.id == sa.bindparam('row_id'))
              .values({temporary: sa.bindparam('changed')}))
    for rows in in_batches(sa.select(rows_of.c.id, rows_of.c[column]), rows_of.c.id):
        bind.execute(filled, [{'row_id': row_id, 'changed': change(value)}
                              for row_id, value in rows])
    if sqlite:
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
        op.execute(f'ALTER TABLE {table} RENAME COLUMN {temporary} TO {column}')
        return
    op.drop_column(table, column)
    op.alter_column(table, temporary, new_column_name=column, existing_type=new_type,
                    nullable=nullable)


def in_batches(selected: sa.Select[int, *Columns], key: sa.ColumnElement[Any],
               ) -> Iterator[Sequence[sa.Row[int, *Columns]]]:
    """The rows of ``selected`` (whose first column is ``key``, an integer id), BATCH at a
    time in ``key`` order: each batch is read whole before the caller updates its rows, so
    no cursor stays open over a table being written."""
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(selected.where(key > last).order_by(key).limit(BATCH)).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]
