"""`python -m bench web` runs end to end at a tiny size: gunicorn on this run's own
PostgreSQL database, wrk against every page, writes racing for the same requests,
pgbench beside them. Only the structure is checked (every target measured, no answer
but the expected ones, nothing lost in the database); never a time or a rate."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import postgres_available, run_database_name, selected_backend, skip_or_fail

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_the_web_bench_measures_every_target_and_loses_nothing(worker_id_safe, capsys,
                                                               fast_passwords):
    if selected_backend() != "postgres":
        pytest.skip("needs MLA_TEST_DB=postgres")
    reason = postgres_available()
    if reason:
        skip_or_fail(reason, "MLA_REQUIRE_POSTGRES")
    for tool in ("wrk", "pgbench"):
        if shutil.which(tool) is None:
            skip_or_fail(f"{tool} is not installed (apt-get install -y wrk postgresql-client)",
                         "MLA_REQUIRE_POSTGRES")
    from bench import web

    name = run_database_name("webbench", worker_id_safe)
    # Two connections, not sixteen: after each run the server still answers what wrk
    # left in flight before the next starts, and that wait was most of the test's time.
    # Still two wrk threads racing for the same steps.
    args = web.parser().parse_args([
        "--sizes", "200", "--rounds", "1", "--seconds", "1", "--single", "2",
        "--connections", "2", "--writers", "2", "--pgbench-scale", "1", "--name", name])
    [result] = web.run(args)

    assert result.size == 200
    names = [target.name for target in result.targets]
    assert names == [web.BARE, web.HEALTH, *(page[0] for page in web.PAGES)]
    for target in result.targets:
        assert len(target.runs) == 1 and len(target.single) == 2, target.name
        assert set(target.statuses()) <= {200}, (target.name, target.statuses())
    writes = result.writes
    assert writes is not None
    assert len(writes.transitions) == len(writes.registrations) == len(writes.pgbench) == 1
    # pgbench's transaction through a bare Flask route: every one answered and done.
    assert len(writes.tpcb_flask) == 1 and writes.tpcb_flask[0].rate > 0
    assert set(writes.tpcb_flask[0].statuses) == {200}, writes.tpcb_flask[0].statuses
    for run in writes.transitions:
        assert set(run.statuses) <= {200, 409}, run.statuses
    for run in writes.registrations:
        assert set(run.statuses) <= {201}, run.statuses
    assert result.problems == []
    assert len(result.rss[0]) == 2 and len(result.rss[1]) == 2  # two workers each
    out = capsys.readouterr().out
    assert "200 requests: pages under load" in out
    assert "statements per transition 'acknowledge'" in out
    assert "TPC-B via Flask" in out
    assert "every accepted step and registration is there once with its history" in out
