"""The data files' words reach the pages through the catalogue: every key a page looks
up is one the extractor wrote (checked in the pseudo-locale of a fresh extraction), and
words the catalogue lacks show as the file says them."""

from __future__ import annotations

import csv
import tomllib
from dataclasses import fields, is_dataclass
from typing import Any

import pytest
from markupsafe import escape

from mla.core.i18n import (
    citation_words,
    data_text,
    deadline_key,
    dualcrim_rule_key,
    exercise_key,
    ground_citation_key,
    instrument_key,
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
from tests.i18n.catalogues import CLOSE, OPEN, POT, ROOT, messages, read_catalogue

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


def _citations() -> list[tuple[str, Any]]:
    """(key, citation as the file writes it) of every deadline rule, refusal ground (its
    per-basis citations too) and instrument: a string, or { words = "..." }."""
    def read(name: str) -> dict[str, Any]:
        return tomllib.loads((DATA / name).read_text(encoding="utf-8"))

    found = [(deadline_key(code, "citation"), rule["citation"])
             for code, rule in read("deadlines/rules.toml")["rule"].items()]
    for ground in read("grounds.toml")["ground"]:
        found.append((ground_citation_key(ground["code"]), ground["citation"]))
        found += [(ground_citation_key(ground["code"], basis), value)
                  for basis, value in ground.get("citations", {}).items()]
    found += [(instrument_key(item["code"], "citation"), item["citation"])
              for item in read("instruments.toml")["instrument"]]
    return found


def test_legal_citations_are_never_extracted_and_citations_in_words_are():
    pot = messages(read_catalogue(POT))
    extracted = {(m.context, m.id) for m in pot}
    msgids = {m.id for m in pot}
    citations = _citations()
    words = [(key, value["words"]) for key, value in citations if isinstance(value, dict)]
    legal = [value for _key, value in citations if isinstance(value, str)]
    assert ("deadline:sla_acknowledge:citation",
            "Internal service level of the central authority") in words
    assert "UNTOC art. 18(9)" in legal
    assert [w for w in words if w not in extracted] == []
    assert [c for c in legal if c in msgids] == []


def test_a_citation_is_a_string_or_words_and_nothing_else():
    assert citation_words("ECE art. 16(4)") == "ECE art. 16(4)"
    assert citation_words({"words": "Domestic law"}) == "Domestic law"
    for wrong in ({"word": "Domestic law"}, {"words": "x", "note": "y"}, {"words": 3}, ["x"]):
        with pytest.raises(ValueError):
            citation_words(wrong)


def test_citations_in_words_are_looked_up_and_legal_ones_shown_as_they_are(
        app_ctx, pseudo_locale):
    shown = {deadline_key(code, "citation"): rule.citation_text
             for code, rule in load_rules().items()}
    for ground in load_grounds()[0]:
        shown[ground_citation_key(ground.code)] = ground.citation_text_for("")
        shown.update({ground_citation_key(ground.code, basis): ground.citation_text_for(basis)
                      for basis, _citation in ground.citations})
    for item in tomllib.loads((DATA / "instruments.toml").read_text("utf-8"))["instrument"]:
        instrument = Instrument(code=item["code"], citation=citation_words(item["citation"]))
        shown[instrument_key(item["code"], "citation")] = instrument.citation_text
    wrong = []
    for key, value in _citations():
        english = value["words"] if isinstance(value, dict) else value
        expected = f"{OPEN}{english}{CLOSE}" if isinstance(value, dict) else english
        if shown[key] != expected:
            wrong.append(f"{key}: {shown[key]!r}, not {expected!r}")
    assert not wrong, "\n".join(wrong)


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
