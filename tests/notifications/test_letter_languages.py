"""Every letter exists in Russian and Chinese, and every translated letter keeps the English
one's Jinja placeholders and control structure, token for token (the words change, the
data a letter shows does not)."""

import re
from collections import Counter

import pytest
from jinja2 import Environment

from mla.notifications.letters import LETTER_DIR

ENGLISH = sorted(LETTER_DIR.glob("*.en.txt"))
TRANSLATED = sorted(p for p in LETTER_DIR.glob("*.*.txt") if not p.name.endswith(".en.txt"))


def _tokens(text: str) -> Counter[str]:
    # The greeting's fallback ("Dear colleagues") is words, not data.
    text = re.sub(r'else "[^"]*"', 'else ""', text)
    return Counter(re.findall(r"\{\{.*?\}\}|\{%.*?%\}", text))


@pytest.mark.parametrize("language", ["ru", "zh"])
def test_every_letter_exists_in(language):
    missing = [p.name for p in ENGLISH
               if not (LETTER_DIR / p.name.replace(".en.txt", f".{language}.txt")).is_file()]
    assert ENGLISH and not missing


@pytest.mark.parametrize("path", TRANSLATED, ids=lambda p: p.name)
def test_a_translated_letter_keeps_the_english_placeholders(path):
    code = path.name.rsplit(".", 2)[0]
    text = path.read_text(encoding="utf-8")
    Environment(autoescape=True).parse(text)  # parse only: the syntax is valid
    assert text.startswith("Subject:")
    english = (LETTER_DIR / f"{code}.en.txt").read_text(encoding="utf-8")
    assert _tokens(text) == _tokens(english)
