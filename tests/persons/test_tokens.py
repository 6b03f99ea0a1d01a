"""The normalisation rules of the persons' tokens (mla.persons.tokens)."""

from __future__ import annotations

from mla.core.crypto import KeyRing
from mla.persons.tokens import TokenKind, identifier_values, name_tokens, person_tokens


def test_names_split_on_spaces_hyphens_and_apostrophes_without_case_or_accents():
    assert name_tokens("  Jean-Luc O'Brién  ") == ["jean", "luc", "o", "brien"]
    assert name_tokens("PETROV Ivan") == ["petrov", "ivan"]
    assert name_tokens("Zoë D\u2019Arcy") == ["zoe", "d", "arcy"]
    assert name_tokens("ИВАН Петров") == ["иван", "петров"]
    assert name_tokens("PETROV, I. (alias Vanya)") == ["petrov", "i", "alias", "vanya"]


def test_tokens_are_whole_words():
    assert "petrov" not in name_tokens("Petrova Anna")


def test_identifiers_drop_labels_and_punctuation_and_keep_only_values_with_digits():
    assert identifier_values("Passport: AB-123 456; national ID 99887766\nnone") == [
        "ab123456", "99887766"]
    assert identifier_values("n/a, 12") == []


def test_the_same_name_in_any_order_shares_its_name_key_and_nothing_is_in_clear():
    ring = KeyRing.generate()
    one = person_tokens(ring, full_name="Ivan Petrov", date_of_birth="1980-02-01")
    two = person_tokens(ring, full_name="PETROV ivan")
    key = {t.digest for t in one if t.kind == TokenKind.NAME_KEY}
    assert key == {t.digest for t in two if t.kind == TokenKind.NAME_KEY}
    assert all("petrov" not in t.digest and len(t.digest) == 32 for t in one)
    # Another deployment (another key) gives other digests for the same name.
    other = person_tokens(KeyRing.generate(), full_name="Ivan Petrov")
    assert not {t.digest for t in one} & {t.digest for t in other}
    # A name token never equals a date or identifier token of the same text.
    mixed = person_tokens(ring, full_name="A1234 B", identifiers="A1234")
    assert len({t.digest for t in mixed}) == len(mixed)
