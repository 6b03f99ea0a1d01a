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


# Where a letter names the home state, any name must fit as it comes (CLDR's name in the
# letter's language, or a fictional state's name as given): after a comma, a colon or
# an opening parenthesis, or at the start of a line. Never after a preposition or a noun
# that wants an article, an elision or a case ("de Allemagne", "of United States",
# "Центральный орган Германия"). Russian may put it in apposition to "государства"
# ("государства Германия"), which takes the nominative; Chinese names go before the noun
# (德国中央机关) and have neither articles nor cases.
_BEFORE_A_NAME = re.compile(r"(?:^|[,،:(]\s?|\bгосударства )$")


@pytest.mark.parametrize("path", [p for p in sorted(LETTER_DIR.glob("*.*.txt"))
                                  if not p.name.endswith(".zh.txt")], ids=lambda p: p.name)
def test_the_home_state_is_named_where_any_name_fits(path):
    for line in path.read_text(encoding="utf-8").splitlines():
        for found in re.finditer(r"\{\{ home_country \}\}", line):
            before = line[:found.start()]
            assert _BEFORE_A_NAME.search(before), f"{path.name}: ...{before[-40:]}"
