"""Article citations ("art. 18(15)", "UNTOC art. 16(10)", "arts. 2(a), 3(1)") read left to
right on a right-to-left page.

A Latin citation inside Arabic text is laid out by the bidi algorithm in the Arabic
paragraph's direction: where its brackets go depends on the bracket-pair rule (UAX #9,
N0, which not every renderer applies) and on the marks a translator put around it
(LRM), or forgot. In a left-to-right isolate of its own (<bdi dir="ltr">) it is one
left-to-right run whatever the renderer and the marks, and the Arabic around it treats
it as a single neutral character. The isolate takes the whole Latin run the citation
belongs to (the instrument's name, the brackets around it), never the Arabic sentence's
words, numbers or full stop: a Latin word left outside would be reordered against it.
Text with no right-to-left letter (words not yet translated) is already one run and is
left alone, unless it is a citation and nothing else (a value a template puts in Arabic
words). English, French and the other left-to-right pages are left exactly as they were.

The template filter ``cite`` applies it to text a page shows as element content (never
to an attribute's value, nor inside <option>, which holds text only).
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import get_locale
from markupsafe import Markup, escape

from mla.core.locale import direction_of

# An article number with its paragraphs and letters: 18, 4a, 18(15)(e), 46(9)(b)-(c),
# 23(3)-(4), 3-5.
_NUMBER = r"\d+[a-z]?(?:\([0-9a-z]+\))*(?:-(?:\([0-9a-z]+\))+|-\d+[a-z]?)?"
# The instrument written before it, when it is an acronym (UNTOC, ECE, ECMA, "FD
# 2002/584/JHA", "UNTOC,"): part of the citation, left to right with it.
_INSTRUMENT = r"(?:(?:[A-Z]{2,}|FD)(?: \d{2,4}/\d{2,4}(?:/[A-Z]+)?)?,? )?"
CITATION = re.compile(
    rf"(?<![\w/]){_INSTRUMENT}(?:"
    # several articles: "arts. 14 and 15", "arts. 2(a), 3(1)", "arts. 17 and 23"
    rf"[Aa]rts\. {_NUMBER}(?:(?:, | and | & ){_NUMBER})*"
    # one: "art. 18(15)", "Art. 46(3)", "article 17(4)"
    rf"|(?:[Aa]rt\.|[Aa]rticles?) {_NUMBER})")
# Markup's tags, left as they are: a citation is looked for in the text between them.
_TAG = re.compile(r"(<[^>]*>)")
# Letters written right to left (Hebrew, Arabic, Syriac, Thaana, N'Ko and their
# presentation forms).
_RTL_LETTER = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
# What a left-to-right run around a citation may hold: the instrument's name before it
# ("Framework Decision 2002/584/JHA, art. 17(7)", "Regulation (EEC, Euratom) 1182/71 art.
# 3(1)"), more after it ("art. 3(1) and (4)"). Not the marks a translator puts around
# the run, nor a sentence's ";", nor "&" or "#" (the text is escaped: an entity stays whole).
_LATIN_RUN = re.compile(r"[A-Za-z0-9 ,./()-]")
_EDGE_PUNCTUATION = " ,.:"
_BDI = '<bdi class="citation" dir="ltr">{}</bdi>'


def _run_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The left-to-right run of ``text`` the citation text[start:end] belongs to: widened
    over the Latin words beside it, then trimmed to start with a letter (or the bracket
    opening it) and end with the citation's end or a balanced bracket. Arabic words, a
    translator's marks and the numbers of the Arabic sentence stay outside."""
    while start > 0 and _LATIN_RUN.match(text[start - 1]):
        start -= 1
    while end < len(text) and _LATIN_RUN.match(text[end]):
        end += 1
    # From the first word that has a letter (not "8 " of "اليوم 8 (art. 17(3))").
    while start < end and not (text[start].isascii() and text[start].isalpha()):
        if text[start] == "(" and text[start + 1:start + 2].isalpha():
            break
        start += 1
    while end > start and text[end - 1] in _EDGE_PUNCTUATION:
        end -= 1
    # Brackets: an opening one whose closing one is not in the run stays outside, and
    # the other way round.
    while text.count("(", start, end) > text.count(")", start, end) and text[start] == "(":
        start += 1
    while text.count(")", start, end) > text.count("(", start, end) and text[end - 1] == ")":
        end -= 1
    return start, end


def _isolate_in(text: str) -> str:
    """One stretch of text between tags, its citations isolated."""
    matches = list(CITATION.finditer(text))
    if not matches:
        return text
    if not _RTL_LETTER.search(text):
        # All left to right (untranslated words, a citation typed in a field): laid out
        # as one run already. Only a value that is a citation and nothing else is
        # isolated, from the words a template writes around it.
        stripped = text.strip()
        whole = CITATION.fullmatch(stripped)
        if whole is None:
            return text
        at = text.index(stripped)
        return f"{text[:at]}{_BDI.format(stripped)}{text[at + len(stripped):]}"
    out, done = [], 0
    for match in matches:
        if match.start() < done:  # already inside the previous citation's run
            continue
        start, end = _run_around(text, match.start(), match.end())
        start, end = max(start, done), max(end, match.end())
        out.append(text[done:start])
        out.append(_BDI.format(text[start:end]))
        done = end
    out.append(text[done:])
    return "".join(out)


def isolate_citations(value: Any) -> Markup:
    """``value`` (text, escaped here, or markup) with every citation in Arabic (or other
    right-to-left) text in <bdi class="citation" dir="ltr">, with the Latin words of its
    run (the instrument's name); a value that is only a citation, whole."""
    html = value if isinstance(value, Markup) else escape(value)
    parts = _TAG.split(str(html))
    for index in range(0, len(parts), 2):  # the text between tags
        parts[index] = _isolate_in(parts[index])
    # Escaped text or markup as it came, with tags of ours around escaped text only.
    return Markup("".join(parts))  # noqa: S704


def cite(value: Any) -> Any:
    """The template filter: citations isolated on a right-to-left page; elsewhere the
    value unchanged (escaped as any value is)."""
    if value is None or value == "":
        return value
    locale = get_locale()
    if direction_of(locale.language if locale is not None else "en") != "rtl":
        return value
    return isolate_citations(value)
