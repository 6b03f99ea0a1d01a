"""Walk every page a person reaches and find the words no catalogue gave.

The pages are rendered in a pseudo-locale (tests/i18n/catalogues.py): every string
that went through a catalogue reads ⟦…⟧. What is left of a text node (or of a title,
placeholder, aria-label or alt attribute) once the ⟦…⟧ parts are taken out must be
data: a value stored in the database (references, names, titles, what people typed),
a legal citation from the data files, a date, a number or a code. Anything else with
words in it is a string a person reads that nobody marked for translation.
"""

from __future__ import annotations

import re
import tomllib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from babel import Locale, localedata, support
from sqlalchemy import String, Text, select
from wtforms.i18n import messages_path

from mla.cases.models import Person
from mla.core.locale import LANGUAGE_NAMES
from mla.core.zones import offered_zones, zone_label
from mla.extensions import db
from tests.conftest import _csrf_from
from tests.i18n.catalogues import ROOT, unwrapped

CHECKED_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
# Elements whose content is data by nature: code and references, machine dates,
# what people typed, scripts and styles.
DATA_ELEMENTS = {"script", "style", "code", "kbd", "samp", "pre", "textarea", "time"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr"}
SKIPPED = ("/logout", "/login", "/api/", "/static/")
WORD = re.compile(r"[^\W\d_]{2,}")
# Tokens that are codes or data whatever the language: anything with a digit
# (references, dates, sizes), e-mail and web addresses, upper-case codes (UNTOC, XA).
_IDENTIFIERS = re.compile(
    r"\S+@\S+|https?://\S+|\b[a-z0-9]+(?:_[a-z0-9]+)+\b|\b[a-z_]+(?:\.[a-z_]+)+\b")
_TOKEN_DATA = re.compile(r"\S*\d\S*|\b[A-Z][A-Z0-9_-]{1,11}\b")


LANGUAGE_CODES = frozenset(code for code in localedata.locale_identifiers() if "_" not in code)
_LANGUAGE_CODES = re.compile(r"^\s*[a-z]{2,3}(?:\s*,\s*[a-z]{2,3})*\s*$")


@dataclass
class PostForm:
    """A POST form as a page shows it: its hidden fields keep their values (the CSRF
    token, a version), everything a person fills in is sent empty."""

    page: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class Finding:
    text: str
    where: str
    role: str
    full: str = ""


class _PageReader(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.links: list[str] = []
        self.texts: list[str] = []
        self._stack: list[str] = []
        self._skipping = 0
        self.language = ""
        self.forms: list[PostForm] = []
        self._form: PostForm | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.language = a.get("lang", "")
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.page, a["href"]))
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = PostForm(self.page, urljoin(self.page, a.get("action") or self.page))
        elif tag in {"input", "select", "textarea"} and self._form is not None and a.get("name"):
            kind = a.get("type", "text").lower() if tag == "input" else tag
            # what a browser sends with nothing chosen: no unticked box, no empty
            # multiple select, no button
            if kind in {"checkbox", "radio", "submit", "button", "image", "file", "reset"} \
                    or (tag == "select" and "multiple" in a):
                pass
            else:
                self._form.fields.setdefault(a["name"], a.get("value", "") if kind == "hidden"
                                             else "")
        # in a drawing, its <title> and <desc> say the words; the drawn text is cut
        # into lines (mla/workflow/diagram.py)
        in_svg = "svg" in self._stack and tag not in {"title", "desc"}
        # an element in another language says so (the language menu: each in its own)
        skip = (tag in DATA_ELEMENTS or a.get("translate") == "no" or in_svg
                or (tag != "html" and a.get("lang", self.language) != self.language)
                or "notranslate" in a.get("class", "").split())
        if not self._skipping and not skip:
            self.texts.extend(a[name] for name in CHECKED_ATTRIBUTES if a.get(name))
        if tag in VOID:
            return
        self._stack.append(tag)
        if skip or self._skipping:
            self._skipping += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._skipping:
            a = {k: v or "" for k, v in attrs}
            self.texts.extend(a[name] for name in CHECKED_ATTRIBUTES if a.get(name))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        if tag in VOID or tag not in self._stack:
            return
        while self._stack:
            top = self._stack.pop()
            if self._skipping:
                self._skipping -= 1
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.texts.append(data)


@dataclass
class DataValues:
    """What may appear untranslated: stored values and the data files' citations, and
    messages another catalogue translates (``add_messages``: WTForms' own)."""

    values: set[str] = field(default_factory=set)
    messages: list[str] = field(default_factory=list)
    _pattern: re.Pattern[str] | None = None

    def add(self, items: Iterable[Any]) -> None:
        for item in items:
            if isinstance(item, str) and len(item.strip()) >= 2:
                self.values.add(item.strip())
                self._pattern = None

    def add_messages(self, items: Iterable[str]) -> None:
        """Messages whose %(name)s placeholders stand for any value."""
        self.messages += [re.sub(r"%\\\(\w+\\\)[sd]", ".*?", re.escape(m)) for m in items]
        self._pattern = None

    def strip(self, text: str) -> str:
        if self._pattern is None:
            ordered = [re.escape(v) for v in sorted(self.values, key=len, reverse=True)]
            self._pattern = re.compile(
                r"(?<![\w.])(?:" + ("|".join(self.messages + ordered) or "(?!)") + r")(?!\w)")
        return self._pattern.sub(" ", text)


def stored_values() -> list[str]:
    """Every string column of every table, as the application reads it (sealed ones too)."""
    found: list[str] = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            kind = column.type
            impl = getattr(kind, "impl", kind)
            sealed = type(kind).__name__.startswith("Sealed")
            if isinstance(kind, String | Text) or isinstance(impl, String | Text) or sealed:
                try:
                    for value in db.session.scalars(select(column).distinct()):
                        if isinstance(value, bytes) and sealed:
                            value = value.decode("utf-8", "replace")
                        if isinstance(value, str):
                            found.append(value)
                except Exception:  # a column this database cannot read back: not data here
                    db.session.rollback()
    # values sealed per row, which only the model opens (mla.cases.models.Person)
    for person in db.session.scalars(select(Person)):
        found.extend(person.decrypted().values())
    return found


def _strings(node: Any) -> Iterable[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def citations() -> list[str]:
    """The citations of the data files (never translated: their official form)."""
    found: list[str] = []
    for path in ("mla/data/deadlines/rules.toml", "mla/data/grounds.toml",
                 "mla/data/instruments.toml", "mla/data/dualcrim/rules.toml"):
        data = tomllib.loads((ROOT / path).read_text(encoding="utf-8"))
        for table in _tables(data):
            for name in ("citation", "citations", "rule", "source"):
                if name in table:
                    found.extend(_strings(table[name]))
        if path.endswith("dualcrim/rules.toml"):
            found.extend(_strings(data.get("dual_criminality_rule", {})))
            found.extend(_strings(data.get("list_categories", {})))
    return found


def _tables(node: Any) -> Iterable[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _tables(value)
    elif isinstance(node, list):
        for value in node:
            yield from _tables(value)


def wtforms_messages() -> list[str]:
    """WTForms' own messages ("This field is required."): Flask-WTF shows them from
    WTForms' catalogues in the request's language; those that every interface language
    has there."""
    found: set[str] | None = None
    for code in ("fr", "es", "ru", "ar", "zh"):
        catalogue = support.Translations.load(messages_path(), [code], domain="wtforms")
        held = {k if isinstance(k, str) else k[0]  # (singular, form) for a plural
                for k, v in getattr(catalogue, "_catalog", {}).items() if k and v}
        found = held if found is None else found & held
    return sorted(found or ())


def locale_words() -> list[str]:
    """Words Babel's locale data gives, not the catalogues (month and day names), and
    each language's name in itself (the language menus, mla.core.locale)."""
    english = Locale.parse("en")
    words: list[str] = []
    for context in ("format", "stand-alone"):
        for width in ("abbreviated", "wide"):
            words += list(english.months[context][width].values())
            words += list(english.days[context][width].values())
    words += list(LANGUAGE_NAMES.values())
    # The time zone list names each zone's country and place as CLDR does (Babel), its
    # offset after them: "France — Paris (GMT+01:00)" (mla.core.zones.zone_label).
    any_day = datetime(2026, 1, 1, tzinfo=UTC)  # the offset is cut off: any day does
    words += [zone_label(name, english, any_day).rsplit(" (", 1)[0]
              for name in offered_zones()]
    return words


def leftover(text: str, data: DataValues) -> str:
    """The words of ``text`` that are neither wrapped nor data ('' when none)."""
    if _LANGUAGE_CODES.match(text) and all(
            code.strip() in LANGUAGE_CODES for code in text.split(",")):
        return ""  # "fr, en": the languages an authority accepts, as codes
    rest = data.strip(_IDENTIFIERS.sub(" ", unwrapped(text)))
    rest = _TOKEN_DATA.sub(" ", rest)
    return " ".join(WORD.findall(rest))


def local_path(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in {"", "http"} or parts.netloc not in {"", "localhost"}:
        return None
    if not parts.path.startswith("/") or parts.path.startswith(SKIPPED):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def sign_in(client: Any, username: str, password: str) -> None:
    with client.session_transaction() as cookie_session:
        cookie_session.clear()
    token = _csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": token})
    assert response.status_code == 302, f"{username} could not sign in"


def check_page(html: str, where: str, role: str, data: DataValues,
               reader: _PageReader | None = None) -> list[Finding]:
    reader = reader or _PageReader(where)
    reader.feed(html)
    return [Finding(" ".join(text.split())[:160], where, role, text)
            for text in reader.texts if leftover(text, data)]


def still_unmarked(findings: list[Finding], data: DataValues) -> list[Finding]:
    """The findings that are not data the walk itself stored (a letter drafted, a
    message queued by a form it sent): checked again with today's stored values."""
    data.add(stored_values())
    return [f for f in findings if leftover(f.full, data)]


def walk(app: Any, client: Any, role: str, start: Iterable[str], data: DataValues,
         *, max_pages: int = 150, per_endpoint: int = 3,
         forms: list[PostForm] | None = None) -> tuple[list[Finding], int]:
    """Follow the links a signed-in person sees; each endpoint at most ``per_endpoint``
    times. Returns what was found unwrapped and how many pages were read; the POST
    forms seen are added to ``forms``."""
    adapter = app.url_map.bind("localhost")
    queue: deque[str] = deque(dict.fromkeys(start))
    seen = set(queue)
    per: dict[str, int] = {}
    findings: list[Finding] = []
    pages = 0
    while queue and pages < max_pages:
        path = queue.popleft()
        try:
            endpoint = adapter.match(urlsplit(path).path, method="GET")[0]
        except Exception:  # noqa: S112 - a link to nowhere or a redirect rule: not walked
            continue
        if per.get(endpoint, 0) >= per_endpoint:
            continue
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            response.close()  # a download (a streamed export's temporary file), as a server would
            continue
        per[endpoint] = per.get(endpoint, 0) + 1
        pages += 1
        reader = _PageReader(path)
        findings += check_page(response.get_data(as_text=True), path, role, data, reader)
        if forms is not None:
            forms += [f for f in reader.forms if local_path(f.action)
                      and not local_path(f.action).startswith(SKIPPED)]  # type: ignore[union-attr]
        for link in reader.links:
            local = local_path(link)
            if local and local not in seen:
                seen.add(local)
                queue.append(local)
    return findings, pages


def send_empty(app: Any, client: Any, role: str, forms: list[PostForm], data: DataValues,
               *, per_endpoint: int = 2) -> tuple[list[Finding], int]:
    """Send each POST form (each endpoint at most ``per_endpoint`` times) with nothing
    filled in and read the answer: the form again with its errors, or the page it
    leads to with its message."""
    adapter = app.url_map.bind("localhost")
    findings: list[Finding] = []
    per: dict[str, int] = {}
    sent = 0
    for form in forms:
        action = local_path(form.action) or ""
        try:
            endpoint = adapter.match(urlsplit(action).path, method="POST")[0]
        except Exception:  # noqa: S112 - not a POST route here
            continue
        if per.get(endpoint, 0) >= per_endpoint:
            continue
        page = client.get(form.page)
        if page.status_code != 200:
            continue
        token = _csrf_from(page.get_data(as_text=True))
        fields = {k: (token if k.endswith("csrf_token") else v) for k, v in form.fields.items()}
        response = client.post(action, data=fields, follow_redirects=True)
        per[endpoint] = per.get(endpoint, 0) + 1
        sent += 1
        if response.mimetype == "text/html":
            findings += check_page(response.get_data(as_text=True), f"POST {action}", role, data)
    return findings, sent


def report(findings: list[Finding]) -> str:
    by_text: dict[str, Finding] = {}
    for finding in findings:
        by_text.setdefault(finding.text, finding)
    lines = [f"{f.role} {f.where}: {f.text!r}" for f in by_text.values()]
    return (f"{len(lines)} texts no catalogue gave (mark them with _() / {{{{ _() }}}}):\n  "
            + "\n  ".join(sorted(lines)[:120]))
