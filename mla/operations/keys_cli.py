"""`flask keys status` and `flask keys rotate [--blind-index]`.

Rotation in one run, with a ring from a file (MLA_KEY_FILE, or the embedded default):

1. a new key is added to the file and made active (running servers read the file
   again within a second, or as soon as they meet a value sealed under the new key);
2. every sealed value and document is sealed again under it, in committed batches;
3. once nothing is sealed under the old keys, they are marked *retired* in the file.

A retired key is never used to seal again but is **not deleted**: backups taken
before the rotation are sealed under it, and restoring one needs it. Remove it from
the file by hand once no such backup is kept.

Killed at any point, `keys rotate` run again carries on where it stopped: the ring
says a rotation is under way (keys neither active nor retired) and the data says
which values still use them.

With MLA_KEY_RING (a secret store fills the environment) the command cannot change
the ring: it prints the new ring to store, and the operator restarts every server
with it before running `keys rotate` again, which then re-encrypts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import AppGroup

from mla.core.crypto import EXTENSION_KEY, KeyRing, key_ring
from mla.core.transaction import commit
from mla.operations import keys
from mla.persons.services import rebuild_person_index
from mla.settings import current_settings

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

cli = AppGroup("keys", help="The key ring: status and rotation.")


def commit_batch(rows: int) -> None:
    """Each batch is committed on its own, so a killed run loses at most one batch."""
    commit()


def _install(ring: KeyRing) -> None:
    current_app.extensions[EXTENSION_KEY] = ring


def _publish(ring: KeyRing) -> bool:
    """Write the ring where it came from; False when it comes from MLA_KEY_RING, after
    printing it for the operator to store."""
    settings = current_settings()
    if settings.key_ring_json is None:
        ring.save(settings.key_file)
        _install(ring)
        return True
    click.echo(ring.to_json())
    return False


def _env_instructions(what: str) -> None:
    click.echo(
        f"\nThe key ring comes from MLA_KEY_RING, which this command cannot change. {what}\n"
        "1. Store the ring printed above in your secret store as MLA_KEY_RING.\n"
        "2. Restart every application server and the scheduler with it.\n"
        "3. Run this command again with the new MLA_KEY_RING: it carries on from there.",
        err=True)


@cli.command("status")
def status_command() -> None:
    """List the keys, which one seals new values, and how many values each seals now."""
    ring = key_ring()
    counts = keys.values_by_key()
    for key_id in sorted(ring.keys):
        state = ("active" if key_id == ring.active_id
                 else "retired" if key_id in ring.retired else "being replaced")
        click.echo(f"key {key_id}: {state}, {counts.get(key_id, 0)} values")
    unknown = sorted(set(counts) - set(ring.keys))
    if unknown:
        click.echo(f"values under keys missing from this ring: {unknown}")
    if ring.previous_index_key is not None:
        click.echo("blind index: being rebuilt under a new key (keys rotate --blind-index)")
    click.echo(f"key ring: {current_settings().key_ring_source}")


@cli.command("rotate")
@click.option("--blind-index", is_flag=True,
              help="Rotate the blind-index key instead and rebuild the search index.")
@click.option("--batch-size", default=keys.DEFAULT_BATCH_SIZE, show_default=True,
              type=click.IntRange(1, 100_000), help="Rows committed at a time.")
def rotate_command(blind_index: bool, batch_size: int) -> None:
    """Add a key, seal every value and document again under it, retire the old keys.
    Run again after a crash: it carries on where it stopped."""
    if blind_index:
        _rotate_index(batch_size)
    else:
        _rotate_values(batch_size)


def _rotate_values(batch_size: int) -> None:
    ring = key_ring()
    if ring.rotating_from:
        click.echo(f"Carrying on the rotation to key {ring.active_id} "
                   f"(from key {', '.join(map(str, ring.rotating_from))}).")
    else:
        ring = ring.rotated()
        if not _publish(ring):
            _env_instructions(f"Key {ring.active_id} was made, nothing was re-encrypted yet.")
            raise SystemExit(3)
        click.echo(f"Key {ring.active_id} added to {current_settings().key_file} "
                   "and made active.")
    values = sum(keys.pending_values(ring).values())
    documents = keys.pending_documents(ring)
    with click.progressbar(length=values + documents, label="Re-encrypting",
                           show_pos=True) as bar:
        outcome = keys.reseal_values(ring, batch_size, _counting(bar))
        document_outcome = keys.reseal_documents(ring, batch_size, _counting(bar))
    commit()
    unreadable = outcome.unreadable + document_outcome.unreadable
    click.echo(f"{outcome.resealed} values and {document_outcome.resealed} documents "
               f"sealed again under key {ring.active_id}.")
    left = sum(keys.pending_values(ring).values()) + keys.pending_documents(ring)
    if unreadable or left:
        if unreadable:
            click.echo("Not readable with this ring (left as they are): "
                       + ", ".join(unreadable), err=True)
        raise click.ClickException(
            f"{left} values are still sealed under older keys, which stay in use. "
            "If servers that have not read the new ring wrote them, restart them; then "
            "run `keys rotate` again.")
    _retire(ring)


def _retire(ring: KeyRing) -> None:
    old = set(ring.rotating_from)
    retired = ring.with_retired(old)
    if _publish(retired):
        click.echo(f"Key {', '.join(map(str, sorted(old)))} retired: no value is sealed "
                   "under it any more. It stays in the ring, to read backups taken before "
                   "this rotation; remove it by hand once none is kept.")
    else:
        _env_instructions(
            "Every value is sealed under the new key; the ring above marks the old keys "
            "retired (storing it is optional: retiring changes nothing but the status).")


def _rotate_index(batch_size: int) -> None:
    ring = key_ring()
    if ring.previous_index_key is not None:
        click.echo("Carrying on the rebuild of the blind index under its new key.")
    else:
        ring = ring.with_new_index_key()
        if not _publish(ring):
            _env_instructions("A new blind-index key was made; the index is not rebuilt yet.")
            raise SystemExit(3)
        click.echo("New blind-index key added; searches use both keys until the rebuild ends.")
    persons = keys.count_persons()
    with click.progressbar(length=keys.count_blind_index_rows() + persons,
                           label="Rebuilding the index", show_pos=True) as bar:
        outcome = keys.rebuild_blind_indexes(ring, batch_size, _counting(bar))
        # The persons' token index (name words, date of birth, identifiers): rebuilt
        # whole, each batch committed; a rerun simply computes it again.
        rebuild_person_index(ring, batch_size, progress=_counting(bar))
    commit()
    click.echo(f"{outcome.resealed} index entries rebuilt; {persons} persons' search "
               "tokens computed again.")
    if outcome.unreadable:
        raise click.ClickException(
            "Not readable with this ring (their index is left as it was): "
            + ", ".join(outcome.unreadable) + ". The previous index key is kept.")
    if _publish(ring.without_previous_index_key()):
        click.echo("The previous blind-index key is deleted from the ring: nothing needs it "
                   "(an index is always rebuilt from the values themselves).")
    else:
        _env_instructions("The index is rebuilt; store the ring above, without the previous "
                          "index key.")


def _counting(bar: ProgressBar[int]) -> Callable[[int], None]:
    """Commit each batch, then move the bar on by the values it handled."""
    def advance(rows: int) -> None:
        commit_batch(rows)
        bar.update(rows)
    return advance
