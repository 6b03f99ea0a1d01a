"""Hand a PO catalogue's untranslated messages to a translator in chunks, and take them back.

    python tools/po_chunks.py todo fr --out /tmp/fr --size 120
        writes /tmp/fr/0001.json ... : each a list of {"id", "plural", "context",
        "comments", "where"} for every message that is untranslated or fuzzy.
    python tools/po_chunks.py apply fr /tmp/fr/0001.done.json ...
        reads [{"id": ..., "str": "..." or ["...", ...]}] and fills the catalogue;
        refuses (and changes nothing) when a placeholder is lost or renamed or the
        number of plural forms is wrong.
    python tools/po_chunks.py status
        prints, per language, translated / total / fuzzy / untranslated.

Catalogues live in mla/translations/<lang>/LC_MESSAGES/messages.po. The PO files stay
the source of truth: a translator with Poedit or Weblate can work on them directly.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1] / "mla" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]|\{(\w*)\}|%[sd]")


def _path(lang: str) -> Path:
    return ROOT / lang / "LC_MESSAGES" / "messages.po"


def _load(lang: str) -> Catalog:
    with _path(lang).open("rb") as handle:
        return read_po(handle, locale=lang)


def _save(lang: str, catalog: Catalog) -> None:
    with _path(lang).open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=False)


def placeholders(text: str) -> list[str]:
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text))


def _todo(args: argparse.Namespace) -> None:
    catalog = _load(args.lang)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    items = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if message.fuzzy or not all(strings):
            ident = message.id
            items.append(
                {
                    "id": ident[0] if isinstance(ident, (list, tuple)) else ident,
                    "plural": ident[1] if isinstance(ident, (list, tuple)) else None,
                    "plural_forms": catalog.num_plurals
                    if isinstance(ident, (list, tuple))
                    else None,
                    "context": message.context,
                    "comments": message.auto_comments,
                    "where": [f"{f}:{n}" for f, n in message.locations[:3]],
                }
            )
    for start in range(0, len(items), args.size):
        chunk = items[start : start + args.size]
        (out / f"{start // args.size + 1:04d}.json").write_text(
            json.dumps(chunk, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    print(f"{len(items)} messages to translate into {args.lang}, in {out}")


def _apply(args: argparse.Namespace) -> None:
    catalog = _load(args.lang)
    by_key = {}
    for message in catalog:
        if message.id:
            key = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
            by_key[(key, message.context)] = message
    problems: list[str] = []
    changes = []
    for name in args.files:
        for entry in json.loads(Path(name).read_text(encoding="utf-8")):
            message = by_key.get((entry["id"], entry.get("context")))
            if message is None:
                problems.append(f"{name}: not in the catalogue: {entry['id']!r}")
                continue
            text = entry["str"]
            if isinstance(message.id, (list, tuple)):
                if not isinstance(text, list) or len(text) != catalog.num_plurals:
                    problems.append(
                        f"{name}: {entry['id']!r} needs {catalog.num_plurals} plural forms"
                    )
                    continue
                wanted = set(placeholders(message.id[1])) | set(placeholders(message.id[0]))
                for form in text:
                    if not set(placeholders(form)) <= wanted:
                        problems.append(
                            f"{name}: {entry['id']!r}: placeholder not in source: {form!r}"
                        )
                # every form but a singular-only one must carry the named placeholders
                named = {p for p in wanted if p.startswith("%(")}
                if named and not named <= set(placeholders(text[-1])):
                    problems.append(f"{name}: {entry['id']!r}: placeholders lost in {text[-1]!r}")
            else:
                if not isinstance(text, str) or not text:
                    problems.append(f"{name}: {entry['id']!r}: empty translation")
                    continue
                if placeholders(text) != placeholders(entry["id"]):
                    problems.append(
                        f"{name}: {entry['id']!r}: placeholders {placeholders(entry['id'])} "
                        f"became {placeholders(text)}"
                    )
            changes.append((message, text))
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(f"Nothing applied: {len(problems)} problem(s).", file=sys.stderr)
        sys.exit(1)
    for message, text in changes:
        message.string = tuple(text) if isinstance(text, list) else text
        message.flags.discard("fuzzy")
    _save(args.lang, catalog)
    print(f"{len(changes)} messages applied to {args.lang}")


def _status(_: argparse.Namespace) -> None:
    for path in sorted(ROOT.glob("*/LC_MESSAGES/messages.po")):
        lang = path.parts[-3]
        catalog = _load(lang)
        total = fuzzy = missing = 0
        for message in catalog:
            if not message.id:
                continue
            total += 1
            strings = (
                message.string if isinstance(message.string, (list, tuple)) else [message.string]
            )
            if message.fuzzy:
                fuzzy += 1
            elif not all(strings):
                missing += 1
        print(
            f"{lang}: {total - fuzzy - missing}/{total} translated, "
            f"{fuzzy} fuzzy, {missing} untranslated"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(required=True)
    todo = sub.add_parser("todo")
    todo.add_argument("lang")
    todo.add_argument("--out", required=True)
    todo.add_argument("--size", type=int, default=120)
    todo.set_defaults(func=_todo)
    apply = sub.add_parser("apply")
    apply.add_argument("lang")
    apply.add_argument("files", nargs="+")
    apply.set_defaults(func=_apply)
    status = sub.add_parser("status")
    status.set_defaults(func=_status)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
