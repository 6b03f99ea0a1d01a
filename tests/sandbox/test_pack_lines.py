"""A broken pack is refused with the line of scenario.toml and the problem, for the
counterpart's letters, its completeness rule and the requests scheduled later."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

SHIPPED = Path(__file__).resolve().parents[2] / "mla" / "scenarios" / "first-week"


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    pack = tmp_path / "broken"
    shutil.copytree(SHIPPED, pack)
    toml = pack / "scenario.toml"
    text = toml.read_text(encoding="utf-8")
    assert old in text
    toml.write_text(text.replace(old, new, 1), encoding="utf-8")
    return pack


def _line(pack: Path, needle: str) -> int:
    lines = (pack / "scenario.toml").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if needle in line)


def _problems(pack: Path) -> str:
    from mla.sandbox.pack import PackError, read_pack

    with pytest.raises(PackError) as caught:
        read_pack(pack)
    return "\n".join(caught.value.problems)


def test_the_counterparts_script_is_checked_with_its_line(app_ctx, tmp_path):
    pack = _broken(tmp_path, 'language = "es"                      # its letters',
                   'language = "de"                      # its letters')
    pack_toml = (pack / "scenario.toml").read_text(encoding="utf-8")
    pack_toml = pack_toml.replace('question = { es = "Sírvanse', 'questoin = { es = "Sírvanse', 1)
    pack_toml = pack_toml.replace('keywords = [["born", "date of birth", "né", "née"], '
                                  '["period", "between", "période"]]',
                                  'keywords = [["born"], []]', 1)
    (pack / "scenario.toml").write_text(pack_toml, encoding="utf-8")
    problems = _problems(pack)
    borduria = _line(pack, 'name = "Borduria"') - 1  # its [[states]] header
    counterpart = next(n for n in range(borduria, borduria + 20)
                       if pack_toml.splitlines()[n - 1] == "[states.counterpart]")
    letters = _line(pack, "[states.counterpart.letters]")  # Borduria's, the first
    assert f"line {counterpart}: states[2].counterpart: 'language' must be one of en, fr, es" \
        in problems
    assert f"line {letters}: states[2].counterpart.letters: unknown key 'questoin'" in problems
    complete = _line(pack, "[states.counterpart.complete]")  # Carpania's
    assert f"line {complete}: states[3].counterpart.complete: keywords[2] must be a word" \
        in problems


def test_a_scheduled_request_with_a_step_after_its_day_is_refused(app_ctx, tmp_path):
    pack = _broken(tmp_path, "day = 3\nfields = { arrested_on = 3 }",
                   "day = 5\nfields = { arrested_on = 3 }")
    step = _line(pack, "day = 5") - 2
    assert f"line {step}: requests[4] 'borduria-provisional-arrest': steps[1]: 'day' must be " \
           "between -3650 and 3" in _problems(pack)


def test_a_toml_syntax_error_names_its_line(app_ctx, tmp_path):
    pack = _broken(tmp_path, 'outcome = "execute"\nlanguage = "en"',
                   'outcome = "execute\nlanguage = "en"')
    assert "line" in _problems(pack)
