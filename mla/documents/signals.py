"""Signals owned by documents: other domains react to documents here.

- ``documents_leaving``: asked before documents leave the authority or are reused
  (the exchange seals a package; a letter would carry them). ``sender`` is the Case they
  belong to; keywords ``documents`` (the Documents about to leave) and ``way`` (a word:
  ``"exchange"``). A receiver returns None, or a dict document id -> list of sentences a
  caseworker must read first (conditions and assurances: a use limitation in force,
  UNTOC art. 18(19)/(20)). Senders read them through ``leaving_warnings``.
"""

from __future__ import annotations

from typing import Any

from blinker import Namespace

_signals = Namespace()

documents_leaving = _signals.signal("documents-leaving")


def leaving_warnings(case: Any, documents: list[Any], way: str) -> dict[int, list[str]]:
    """What the receivers say about documents about to leave: id -> sentences."""
    found: dict[int, list[str]] = {}
    if not documents:
        return found
    for _receiver, answer in documents_leaving.send(case, documents=documents, way=way):
        for document_id, sentences in (answer or {}).items():
            found.setdefault(document_id, []).extend(sentences)
    return found
