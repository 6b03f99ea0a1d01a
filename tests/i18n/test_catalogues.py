"""The catalogues: complete, placeholders intact, compiled files current, and the
template (messages.pot) what the sources say today."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from babel.messages.catalog import Message

from tests.i18n.catalogues import (
    LANGUAGES,
    POT,
    describe,
    extract_fresh,
    key,
    messages,
    mo_path,
    placeholders,
    po_path,
    read_catalogue,
)

SHOWN = 40  # messages named in a failure; the count says how many more


def _listing(lang: str, what: str, found: list[str]) -> str:
    more = f"\n  ... and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
    return (f"{lang}: {len(found)} {what}:\n  " + "\n  ".join(found[:SHOWN]) + more
            + "\n(tools/po_chunks.py todo <lang> hands them to a translator)")


def _forms(message: Message) -> list[str]:
    string = message.string
    return list(string) if isinstance(string, (list, tuple)) else [string]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(lang):
    catalog = read_catalogue(po_path(lang), lang)
    untranslated = [describe(m) for m in messages(catalog) if not all(_forms(m))]
    fuzzy = [describe(m) for m in messages(catalog) if m.fuzzy and all(_forms(m))]
    problems = []
    if untranslated:
        problems.append(_listing(lang, "untranslated", untranslated))
    if fuzzy:
        problems.append(_listing(lang, "fuzzy (to check, then unflag)", fuzzy))
    assert not problems, "\n".join(problems)


def placeholder_problems(message: Message) -> list[str]:
    """What a translation did to the source's placeholders: a singular keeps exactly
    the source's; a plural form uses none the source lacks, and the last (general)
    form keeps every named one (a form for one or two may say the number in words)."""
    found = []
    if isinstance(message.id, (list, tuple)):
        source = set(placeholders(message.id[0])) | set(placeholders(message.id[1]))
        named = {p for p in placeholders(message.id[1]) if p.startswith("%(")}
        forms = [f for f in _forms(message) if f]
        for form in forms:
            if not set(placeholders(form)) <= source:
                found.append(f"{describe(message)}: {form!r} has a placeholder the source "
                             f"does not ({sorted(source)})")
        if forms and not named <= set(placeholders(forms[-1])):
            found.append(f"{describe(message)}: {forms[-1]!r} lost {sorted(named)}")
    elif message.string and placeholders(message.string) != placeholders(message.id):
        found.append(f"{describe(message)}: placeholders {placeholders(message.id)} became "
                     f"{placeholders(message.string)} in {message.string!r}")
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders(lang):
    catalog = read_catalogue(po_path(lang), lang)
    # a fuzzy entry is neither compiled nor shown (the completeness test names it)
    problems = [p for m in messages(catalog) if not m.fuzzy for p in placeholder_problems(m)]
    assert not problems, f"{lang}: " + "\n".join(problems)


def test_the_placeholder_check_finds_lost_renamed_and_plural_mistakes():
    assert placeholder_problems(Message("Due %(when)s", "Échéance %(quand)s"))
    assert placeholder_problems(Message("Due %(when)s", "Échéance"))
    assert not placeholder_problems(Message("Due %(when)s", "Échéance : %(when)s"))
    plural = ("%(num)d month", "%(num)d months")
    assert placeholder_problems(Message(plural, ("%(num)d mois", "%(n)d mois")))
    assert placeholder_problems(Message(plural, ("%(num)d mois", "des mois")))
    # a form for one may say it in words; the general form keeps the number
    assert not placeholder_problems(Message(plural, ("un mois", "%(num)d mois")))


def _expected_mo(lang: str) -> dict[object, str]:
    """What the compiled file should hold: every translated, non-fuzzy message."""
    expected: dict[object, str] = {}
    for message in messages(read_catalogue(po_path(lang), lang)):
        if message.fuzzy or not all(_forms(message)):
            continue
        context, msgid, plural = key(message)
        ident = f"{context}\x04{msgid}" if context else msgid
        if plural is None:
            expected[ident] = str(message.string)
        else:
            for index, form in enumerate(_forms(message)):
                expected[(ident, index)] = form
    return expected


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_compiled_catalogue_matches_its_po_file(lang):
    """The .mo files are committed (docs/languages.md): the wheel needs no build step.
    `make messages` (or `pybabel compile -d mla/translations`) brings them up to date."""
    assert mo_path(lang).exists(), f"{mo_path(lang)} is missing: run make messages"
    with mo_path(lang).open("rb") as handle:
        compiled = dict(gettext.GNUTranslations(handle)._catalog)  # type: ignore[attr-defined]
    compiled.pop("", None)
    expected = _expected_mo(lang)
    stale = sorted(repr(k) for k in expected.keys() - compiled.keys()
                   | {k for k in expected.keys() & compiled.keys() if expected[k] != compiled[k]})
    extra = sorted(repr(k) for k in compiled.keys() - expected.keys())
    assert not stale and not extra, (
        f"{mo_path(lang)} does not match its PO file (run make messages): "
        f"{len(stale)} missing or different, e.g. {stale[:5]}; {len(extra)} not in the PO "
        f"file, e.g. {extra[:5]}")


def test_the_template_holds_every_string_the_sources_mark(tmp_path: Path):
    """messages.pot is what extracting the sources gives today: a string marked in code,
    in a template or in a data file but missing from it (or one removed from the
    sources but still in it) fails, and so does a PO file that was not updated."""
    fresh = {key(m) for m in messages(extract_fresh(tmp_path / "fresh.pot"))}
    committed = {key(m) for m in messages(read_catalogue(POT))}
    missing = sorted(fresh - committed, key=str)
    stale = sorted(committed - fresh, key=str)
    assert not missing and not stale, (
        f"mla/translations/messages.pot is out of date (run make messages): "
        f"{len(missing)} marked but not in it, e.g. {missing[:15]}; "
        f"{len(stale)} in it but no longer in the sources, e.g. {stale[:15]}")
    for lang in LANGUAGES:
        held = {key(m) for m in messages(read_catalogue(po_path(lang), lang))}
        assert committed <= held, (f"{po_path(lang)} lacks {len(committed - held)} messages "
                                   f"of the template (run make messages), e.g. "
                                   f"{sorted(committed - held, key=str)[:5]}")
