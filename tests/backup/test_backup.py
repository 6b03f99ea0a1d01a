"""`flask backup create` and `backup restore`: a backup restored into a fresh database
reads back its requests, persons and documents; the manifest is checked first, the key
ring never travels with the backup, and a non-empty database is not overwritten."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mla.core.crypto import KeyRing
from tests.keys.instance import Instance, new_database, read_everything, seed, set_up_schema


@pytest.fixture
def store() -> str:
    """MLA_DOCUMENT_STORE of the instance; tests about documents run with both."""
    return "database"


@pytest.fixture
def source(store: str, tmp_path: Path) -> Iterator[Instance]:
    with new_database(tmp_path, "backupsource") as url:
        made = Instance(tmp_path / "source", url, document_store=store)
        made.directory.mkdir()
        app = made.app()
        set_up_schema(app)
        seed(app, cases=2)
        yield made
        made.dispose()


@pytest.fixture
def fresh(source: Instance, tmp_path: Path) -> Iterator[Instance]:
    """Another, empty instance, given a copy of the source's key ring (kept apart)."""
    with new_database(tmp_path, "backuprestore") as url:
        made = Instance(tmp_path / "fresh", url, document_store=source.document_store)
        made.directory.mkdir()
        made.key_file.write_text(source.key_file.read_text())
        yield made
        made.dispose()


@pytest.mark.parametrize("store", ["database", "filesystem"])
def test_a_backup_restored_into_a_fresh_database_reads_everything_back(source, fresh,
                                                                       tmp_path):
    before = read_everything(source.app())
    backup = tmp_path / "backup"

    created = source.flask("backup", "create", str(backup), check=True)

    assert "The key ring is NOT in this backup" in created.stdout
    assert str(source.key_file) in created.stdout
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["alembic_revision"] is None  # create_all: no migration recorded
    assert manifest["key_ids"] == [1]
    assert (manifest["database"] in ("sqlite", "postgresql"))
    ring = source.key_file.read_text()
    key = json.loads(ring)["keys"]["1"]
    for path in backup.rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path  # the ring stays apart
    documents = [name for name in manifest["files"] if name.startswith("documents/")]
    assert len(documents) == (4 if source.document_store == "filesystem" else 0)

    restored = fresh.flask("backup", "restore", str(backup), check=True)

    assert "run `flask db upgrade`" in restored.stdout
    after = read_everything(fresh.app())
    assert after == before
    assert after["cases"] == ["Bank records 0", "Bank records 1"]
    assert len(after["persons"]) == 6 and len(after["documents"]) == 4
    assert after["summaries"] == ["Jean Fictif opened account 0", "Jean Fictif opened account 1"]


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(source, tmp_path):
    backup = tmp_path / "backup"
    source.flask("backup", "create", str(backup), check=True)
    before = read_everything(source.app())

    refused = source.flask("backup", "restore", str(backup))

    assert refused.returncode == 1
    assert "not empty" in refused.stderr
    forced = source.flask("backup", "restore", str(backup), "--force")
    assert forced.returncode == 0, forced.stderr
    assert read_everything(source.app()) == before


def test_restore_refuses_a_backup_whose_files_do_not_match_the_manifest(source, fresh,
                                                                        tmp_path):
    backup = tmp_path / "backup"
    source.flask("backup", "create", str(backup), check=True)
    dump = next(p for p in backup.iterdir() if p.name.startswith("database."))
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))

    refused = fresh.flask("backup", "restore", str(backup))

    assert refused.returncode == 1
    assert "does not match its checksum" in refused.stderr
    assert fresh.flask("backup", "verify", str(backup)).returncode == 1


def test_restore_refuses_another_instances_key_ring(source, fresh, tmp_path):
    backup = tmp_path / "backup"
    source.flask("backup", "create", str(backup), check=True)
    fresh.key_file.write_text(KeyRing.generate().to_json())

    refused = fresh.flask("backup", "restore", str(backup))

    assert refused.returncode == 1
    assert "key ring of instance" in refused.stderr


def test_a_backup_is_never_written_into_a_directory_that_holds_something(source, tmp_path):
    backup = tmp_path / "backup"
    backup.mkdir()
    (backup / "other.txt").write_text("keep me")

    refused = source.flask("backup", "create", str(backup))

    assert refused.returncode == 1 and (backup / "other.txt").read_text() == "keep me"
