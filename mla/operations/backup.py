"""Backups of an instance, and restoring one into an empty database.

A backup is a directory:

- ``database.dump``: PostgreSQL through ``pg_dump --format=custom`` (restored with
  ``pg_restore``), or ``database.sqlite3``: SQLite through its online backup API (a
  consistent copy while the application runs);
- ``documents/``: the sealed document files, when ``MLA_DOCUMENT_STORE=filesystem``
  (in the default store they are rows of the database and come with it); copied
  after the database, so every document the database names is there (a file is
  written before its row commits);
- ``manifest.json``, written last: format, Comity version, Alembic revision, database
  kind, document store, the key ring's instance id and the key ids the data is
  sealed under, and the SHA-256 of every file. Restore checks it first.

The key ring is never written into a backup: a backup and its ring kept together
would give whoever takes one the personal data. It is backed up separately.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL

from mla.core.clock import now
from mla.core.crypto import key_ring
from mla.documents.storage import configured_store, storage_dir
from mla.extensions import db
from mla.operations.keys import values_by_key
from mla.settings import DocumentStore, current_settings

FORMAT = 1
MANIFEST = "manifest.json"
POSTGRES_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
DOCUMENTS = "documents"
_CHUNK = 1024 * 1024


class BackupError(RuntimeError):
    """The backup cannot be made or restored; the message says why and what to do."""


@dataclass
class Manifest:
    format: int
    comity_version: str
    created_at: str
    alembic_revision: str | None
    database: str  # "postgresql" or "sqlite"
    document_store: str
    key_ring_instance_id: str
    key_ids: list[int]
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        path = directory / MANIFEST
        if not path.is_file():
            raise BackupError(f"{directory} holds no {MANIFEST}: not a backup, or one that "
                              "did not finish.")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            manifest = cls(**data)
        except (ValueError, TypeError) as exc:
            raise BackupError(f"{path} is not a readable manifest ({exc}).") from None
        if manifest.format != FORMAT:
            raise BackupError(f"{path} has format {manifest.format}; this version of Comity "
                              f"reads format {FORMAT}.")
        return manifest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _dialect() -> str:
    return db.engine.dialect.name


def _sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def _postgres_environment(url: URL) -> dict[str, str]:
    """libpq's variables for pg_dump/pg_restore: the password never on a command line."""
    env = dict(os.environ)
    for name, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                        ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[name] = str(value)
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        # The command is ours (pg_dump/pg_restore and paths), never user input.
        result = subprocess.run(command, env=env, capture_output=True, text=True,  # noqa: S603
                                check=False)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed: install the PostgreSQL client "
                          "tools of the server's version.") from None
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def current_revision() -> str | None:
    if not inspect(db.session.connection()).has_table("alembic_version"):
        return None
    return db.session.scalar(text("SELECT version_num FROM alembic_version"))


def _script_directory() -> ScriptDirectory:
    migrate = current_app.extensions["migrate"]
    return ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))


def create_backup(target: Path) -> Manifest:
    """Back the instance up into ``target`` (a new or empty directory)."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} exists and is not an empty directory.")
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    ring = key_ring()
    manifest = Manifest(
        format=FORMAT, comity_version=metadata.version("comity"),
        created_at=now().isoformat(), alembic_revision=current_revision(),
        database=_dialect(), document_store=configured_store().value,
        key_ring_instance_id=ring.instance_id, key_ids=sorted(values_by_key()))
    db.session.rollback()  # no transaction of ours held open during the copy
    if manifest.database == "sqlite":
        _copy_sqlite(_sqlite_path(), target / SQLITE_COPY)
    elif manifest.database == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              f"--file={target / POSTGRES_DUMP}"], _postgres_environment(db.engine.url))
    else:
        raise BackupError(f"backups of {manifest.database} databases are not supported.")
    if configured_store() is DocumentStore.FILESYSTEM and storage_dir().is_dir():
        (target / DOCUMENTS).mkdir(mode=0o700)
        for source in sorted(storage_dir().glob("*.bin")):
            shutil.copy2(source, target / DOCUMENTS / source.name)
    for path in sorted(p for p in target.rglob("*") if p.is_file()):
        manifest.files[path.relative_to(target).as_posix()] = _sha256(path)
    (target / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def _copy_sqlite(source: Path, destination: Path) -> None:
    """SQLite's online backup API: a consistent copy, pages copied under its own lock."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(destination)) as dst:
        src.backup(dst)


def verify_backup(source: Path) -> Manifest:
    """The manifest, once every file it lists is there with its checksum (and no
    database file is missing)."""
    manifest = Manifest.read(source)
    expected = SQLITE_COPY if manifest.database == "sqlite" else POSTGRES_DUMP
    if expected not in manifest.files:
        raise BackupError(f"the manifest lists no {expected}.")
    for name, digest in manifest.files.items():
        path = source / name
        if not path.is_file():
            raise BackupError(f"{name} is missing from the backup.")
        if _sha256(path) != digest:
            raise BackupError(f"{name} does not match its checksum in the manifest: the "
                              "backup is damaged or was changed.")
    return manifest


@dataclass
class RestoreReport:
    manifest: Manifest
    needs_upgrade: bool  # the backup's revision is older than this code's head
    documents: int = 0


def _database_is_empty() -> bool:
    return not inspect(db.session.connection()).get_table_names()


def restore_backup(source: Path, *, force: bool = False) -> RestoreReport:
    """Restore ``source`` into the configured database (and document folder), which must
    be empty unless ``force``. Checked before anything is written: the manifest and
    checksums, the kind of database, the key ring, the Alembic revision."""
    manifest = verify_backup(source)
    if manifest.database != _dialect():
        raise BackupError(f"this is a {manifest.database} backup; the configured database "
                          f"is {_dialect()}.")
    _check_key_ring(manifest)
    needs_upgrade = _check_revision(manifest.alembic_revision)
    document_files = sorted(n for n in manifest.files if n.startswith(f"{DOCUMENTS}/"))
    if not force:
        if not _database_is_empty():
            raise BackupError("the configured database is not empty: restore into a new, "
                              "empty database, or pass --force to replace what it holds.")
        if document_files and storage_dir().is_dir() and any(storage_dir().glob("*.bin")):
            raise BackupError(f"{storage_dir()} already holds documents: pass --force to "
                              "replace them.")
    db.session.remove()
    db.engine.dispose()  # nobody of ours holds the database while it is replaced
    if manifest.database == "sqlite":
        _copy_sqlite(source / SQLITE_COPY, _sqlite_path())
    else:
        command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                   "--single-transaction", f"--dbname={db.engine.url.database}"]
        if force:
            command += ["--clean", "--if-exists"]
        _run([*command, str(source / POSTGRES_DUMP)], _postgres_environment(db.engine.url))
    if document_files:
        storage_dir().mkdir(parents=True, exist_ok=True, mode=0o700)
        for name in document_files:
            shutil.copy2(source / name, storage_dir() / Path(name).name)
    return RestoreReport(manifest, needs_upgrade, len(document_files))


def _check_key_ring(manifest: Manifest) -> None:
    ring = key_ring()
    if ring.instance_id != manifest.key_ring_instance_id:
        raise BackupError(
            f"the backup was made with the key ring of instance "
            f"{manifest.key_ring_instance_id[:8]}…, not the one configured "
            f"({current_settings().key_ring_source}, instance {ring.instance_id[:8]}…): "
            "configure the ring kept with the backups of this instance.")
    missing = sorted(set(manifest.key_ids) - set(ring.keys))
    if missing:
        raise BackupError(f"the configured key ring lacks key {', '.join(map(str, missing))}, "
                          "which the backup's data is sealed under: use a copy of the ring "
                          "from before it was removed.")


def _check_revision(revision: str | None) -> bool:
    """True when the backup needs `db upgrade` after restoring; refuses a backup made
    by a newer Comity (a revision this code does not know)."""
    script = _script_directory()
    if revision is None:
        return True
    try:
        script.get_revision(revision)
    except RevisionError:
        raise BackupError(f"the backup's schema revision {revision} is unknown to this "
                          "version of Comity: restore it with the version that made it "
                          "(see the manifest), then upgrade.") from None
    return revision not in script.get_heads()
