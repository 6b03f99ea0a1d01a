"""`python -m bench list_page` builds its data and measures on SQLite at a tiny size
(figures are printed, never asserted)."""

from __future__ import annotations

from bench import list_page


def test_the_list_page_bench_runs_on_sqlite(tmp_path, capsys):
    app = list_page.build(40, None, tmp_path)
    list_page.measure(app, repeat=1)
    out = capsys.readouterr().out
    assert "40 requests inserted" in out and "(sqlite)" in out
    measured = [line for line in out.splitlines() if line.startswith(("/requests/", "/api/"))]
    assert len(measured) == len(list_page.URLS) - 1  # every URL but "/"
    assert not any("nan" in line for line in measured), out
