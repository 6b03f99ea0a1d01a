"""Every shipped pack reads and loads through the real workflow; the sandbox bench
runs at a tiny size."""

from __future__ import annotations

import pytest

from bench import sandbox as sandbox_bench
from mla.sandbox.pack import available_packs, read_pack, resolve_pack
from mla.sandbox.scenario import load_pack

SHIPPED = available_packs()


def test_the_instrument_packs_are_shipped():
    assert {"first-week", "eaw-surrender", "outgoing-drafting", "redaccion-solicitudes",
            "uncac-asset-recovery"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_pack_loads_with_its_exercises(db, trainer, name):
    pack = read_pack(resolve_pack(name))
    assert pack.exercises and pack.requests
    loaded = load_pack(trainer, name)
    db.session.commit()
    assert loaded.name == name
    requests = {r.key for r in pack.requests}
    for exercise in pack.exercises:
        for check in exercise.checks:
            assert check.params.get("request", next(iter(requests))) in requests


def test_the_bench_runs_at_a_tiny_size(capsys):
    sandbox_bench.main(["--trainees", "1", "--skip-postgres", "--pack", "first-week"])
    out = capsys.readouterr().out
    assert "1 trainees" in out and "ratio" in out


@pytest.mark.parametrize("name", ["eaw-surrender", "outgoing-drafting", "redaccion-solicitudes",
                                  "uncac-asset-recovery"])
def test_each_instrument_pack_gives_every_exercise_a_model_answer(name):
    pack = read_pack(resolve_pack(name))
    assert all(e.model_answer.strip() for e in pack.exercises)
