"""The data files' words reach the pages through the catalogue: every key a page looks
up is one the extractor wrote (checked in the pseudo-locale of a fresh extraction), and
words the catalogue lacks show as the file says them."""

from __future__ import annotations

import csv
import tomllib
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

from markupsafe import escape

from mla.core.i18n import (
    data_text,
    dualcrim_rule_key,
    exercise_key,
    not_a_ground_key,
    scenario_key,
    workflow_key,
)
from mla.deadlines.rules import load_rules
from mla.dualcrim.rules import load_rules as load_dualcrim_rules
from mla.reference.models import IccsCode, Instrument
from mla.sandbox.pack.reader import read_pack
from mla.workflow.grounds import load_grounds
from mla.workflow.registry import current_all
from mla.workflow.texts import translated
from tests.i18n.catalogues import CLOSE, OPEN, ROOT

DATA = ROOT / "mla" / "data"


def _wrapped(text: str) -> bool:
    return text.startswith(OPEN) and text.endswith(CLOSE)


def _words(node: Any, where: str) -> list[tuple[str, str]]:
    """Every (where, text) of a definition's labels, descriptions, help and choices."""
    found: list[tuple[str, str]] = []
    if is_dataclass(node):
        for f in fields(node):
            value = getattr(node, f.name)
            if f.name in {"label", "title", "description", "help"} and value:
                found.append((f"{where}.{f.name}", value))
            elif f.name == "choices":
                found += [(f"{where}.choice:{k}", v) for k, v in value]
            elif f.name in {"states", "transitions", "fields"}:
                items = value.values() if isinstance(value, dict) else value
                found += [w for item in items
                          for w in _words(item, f"{where}.{getattr(item, 'name', '')}")]
    return found


def test_every_workflow_word_is_looked_up_under_the_key_it_was_extracted_with(
        app_ctx, pseudo_locale):
    missed = [f"{where}: {text!r}" for workflow in current_all()
              for where, text in _words(translated(workflow), workflow.name)
              if not _wrapped(text)]
    assert not missed, "\n".join(missed)


def test_every_rule_ground_category_and_instrument_is_looked_up(app_ctx, pseudo_locale):
    shown: list[tuple[str, str]] = []
    for code, rule in load_rules().items():
        shown += [(f"deadline {code} title", rule.title_text),
                  (f"deadline {code} summary", rule.summary_text),
                  (f"deadline {code} counting", rule.counting_source_text)]
        if rule.overrun_duty:
            shown.append((f"deadline {code} duty", rule.overrun_duty_text))
    grounds, notes = load_grounds()
    shown += [(f"ground {g.code}", g.label_text) for g in grounds]
    shown += [(f"not a ground {n.citation}", data_text(not_a_ground_key(n.citation), n.text))
              for n in notes]
    for category in load_dualcrim_rules().list_categories:
        shown += [(f"list category {category.number}", category.name_text),
                  (f"list category {category.number} short", category.short_name_text)]
    for basis in ("BILATERAL", "RECIPROCITY"):
        words = load_dualcrim_rules().dc_rules[basis]
        shown.append((f"dual criminality rule {basis}", data_text(dualcrim_rule_key(basis), words)))
    for item in tomllib.loads((DATA / "instruments.toml").read_text("utf-8"))["instrument"]:
        shown.append((f"instrument {item['code']}",
                       Instrument(code=item["code"], title=item["title"]).title_text))
    with (DATA / "iccs.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            shown.append((f"ICCS {row['code']}", IccsCode(code=row["code"], title=row["title"],
                                                           is_extension=False).title_text))
    missed = [f"{where}: {text!r}" for where, text in shown if not _wrapped(text)]
    assert not missed, "\n".join(missed)


def test_every_scenario_pack_text_is_looked_up(app_ctx, pseudo_locale):
    packs = sorted((ROOT / "mla" / "scenarios").glob("*/scenario.toml"))
    assert packs
    shown: list[tuple[str, str]] = []
    for path in packs:
        pack = read_pack(path.parent)
        name = path.parent.name
        shown += [(f"{name} title", data_text(scenario_key(name, "title"), pack.title)),
                  (f"{name} description",
                   data_text(scenario_key(name, "description"), pack.description))]
        for exercise in pack.exercises:
            shown += [(f"{exercise.code} title",
                       data_text(exercise_key(exercise.code, "title"), exercise.title)),
                      (f"{exercise.code} instructions",
                       data_text(exercise_key(exercise.code, "instructions"),
                                 exercise.instructions))]
            shown += [(f"{exercise.code} check {n}",
                       data_text(exercise_key(exercise.code, "check", str(n)), check.label))
                      for n, check in enumerate(exercise.checks, start=1)]
    missed = [f"{where}: {text!r}" for where, text in shown if not _wrapped(text)]
    assert not missed, "\n".join(missed)


def test_words_the_catalogue_lacks_show_as_the_file_says_them(app_ctx, pseudo_locale):
    # an admin reworded a state: the catalogue has the old words, the page the new ones
    key = workflow_key("incoming_mla", "state", "received")
    assert data_text(key, "Received, not yet acknowledged") == \
        "⟦Received, not yet acknowledged⟧"
    assert data_text(key, "Arrived, to acknowledge") == "Arrived, to acknowledge"
    assert data_text(key, "") == ""


def test_citations_are_never_extracted():
    pot = (ROOT / "mla" / "translations" / "messages.pot").read_text(encoding="utf-8")
    for path in (DATA / "grounds.toml", DATA / "deadlines" / "rules.toml"):
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        tables = data.get("ground", []) + list(data.get("rule", {}).values())
        for table in tables:
            assert f'msgid "{table["citation"]}"' not in pot, table["citation"]


def _catalogue(lang: str) -> Any:
    from babel.support import Translations

    return Translations.load(str(ROOT / "mla" / "translations"), [lang])


def test_a_request_page_shows_workflow_rule_and_instrument_words_in_the_readers_language(
        client, login_as, create_user, make_case):
    """End to end, with the committed catalogues: the state, a step and the clock of a
    request, and its legal basis, in French and Chinese, the citation as it is."""
    user = create_user("caseworker")
    case = make_case(actor=user)
    login_as(user)
    state_key = workflow_key("incoming_mla", "state", "received")
    step_key = workflow_key("incoming_mla", "step", "acknowledge")
    for lang in ("fr", "zh"):
        words = _catalogue(lang)
        english = {
            "state": (state_key, "Received, not yet acknowledged"),
            "step": (step_key, "Acknowledge and start the review"),
            "clock": ("deadline:sla_acknowledge:title", "Acknowledge the request (service level)"),
            "instrument": ("instrument:UNTOC:title",
                           "United Nations Convention against Transnational Organized Crime "
                           "(2000)"),
        }
        page = client.get(f"/requests/{case.reference}",
                          headers={"Accept-Language": lang}).get_data(as_text=True)
        for what, (key, source) in english.items():
            text = words.pgettext(key, source)
            assert text != source, f"{lang}: the {what} is not translated in the catalogue"
            assert escape(text) in page, f"{lang}: the {what} {text!r} is not on the page"
