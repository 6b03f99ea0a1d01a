"""What the i18n tests share: the catalogues on disk, a fresh extraction, and a
pseudo-locale that wraps every translated string in ⟦…⟧."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "mla" / "translations"
POT = TRANSLATIONS / "messages.pot"
LANGUAGES = ("fr", "es", "ru", "ar", "zh")
# The keywords and options of the Makefile's `messages` target.
EXTRACT_OPTIONS = ["-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
                   "-k", "lazy_pgettext:1c,2", "-k", "lazy_ngettext:1,2",
                   "-c", "TRANSLATORS:", "-w", "100", "--project=Comity"]
# %(name)s and friends, positional %s / %d, and {name} (str.format).
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%[sdif]|\{\w*\}")
OPEN, CLOSE = "⟦", "⟧"


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def mo_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo"


def read_catalogue(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def messages(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def key(message: Message) -> tuple[str | None, str, str | None]:
    """(context, msgid, msgid_plural): what identifies a message."""
    if isinstance(message.id, (list, tuple)):
        return message.context, message.id[0], message.id[1]
    return message.context, message.id, None


def describe(message: Message) -> str:
    context, msgid, _plural = key(message)
    return f"{msgid!r}" + (f" [{context}]" if context else "")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def extract_fresh(target: Path) -> Catalog:
    """Extract the sources now, as `make messages` does, into ``target``."""
    pybabel = Path(sys.executable).with_name("pybabel")
    done = subprocess.run([str(pybabel), "extract", *EXTRACT_OPTIONS, "-o", str(target), "."],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return read_catalogue(target)


def pseudo_translations(template: Catalog) -> Translations:
    """Every message of ``template`` translated as ⟦its English⟧ (plurals too)."""
    pseudo = Catalog(locale="en", domain="messages")
    for message in messages(template):
        if isinstance(message.id, (list, tuple)):
            string: str | tuple[str, ...] = tuple(f"{OPEN}{form}{CLOSE}" for form in message.id)
        else:
            string = f"{OPEN}{message.id}{CLOSE}"
        pseudo.add(message.id, string, context=message.context)
    buffer = io.BytesIO()
    write_mo(buffer, pseudo)
    buffer.seek(0)
    return Translations(fp=buffer, domain="messages")


_WRAPPED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")


def unwrapped(text: str) -> str:
    """What is left of ``text`` once every ⟦…⟧ (nested too) is taken out."""
    previous = None
    while previous != text:
        previous, text = text, _WRAPPED.sub(" ", text)
    return text
