"""The request's message catalogue, found once per request and language.

Flask-Babel finds the catalogue for every message: the request's context three times
(through ``g``), the locale, its name as text, a dictionary lookup. A list page asks
for a few hundred messages, and that search was a tenth of its time. Here the catalogue
is kept on Flask-Babel's own context (``g``, so it ends with the request or app
context), next to the locale and the domain it was found for: a locale that changes
(``force_locale``, ``refresh()`` after a language switch, a different domain) is
another object, so the catalogue is found again the usual way.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from babel.support import NullTranslations
from flask import g
from flask_babel import Babel, Domain, get_domain


def current_translations() -> NullTranslations:
    """The catalogue of the current language (Flask-Babel's ``get_translations()``)."""
    try:
        context = g._flask_babel
        locale, domain, catalogue = context.mla_catalogue
    except (AttributeError, RuntimeError):  # its first message, or no application context
        return _find(None)
    if locale is getattr(context, "babel_locale", None) \
            and domain is getattr(context, "babel_domain", None):
        return catalogue
    return _find(context)


def _find(context: Any) -> NullTranslations:
    domain = get_domain()
    catalogue = Domain.get_translations(domain)
    if context is None:
        context = g.get("_flask_babel") if g else None
    locale = getattr(context, "babel_locale", None)
    if context is not None and locale is not None:
        context.mla_catalogue = (locale, domain, catalogue)
    return catalogue


class RequestDomain(Domain):
    """Flask-Babel's message domain, its catalogue kept for the request (above): what
    ``gettext``, ``_l`` strings and the templates' ``_()`` go through."""

    def get_translations(self) -> NullTranslations:
        return current_translations()


class RequestBabel(Babel):
    @cached_property
    def domain_instance(self) -> Domain:
        return RequestDomain(domain=self.domain)


def install_template_gettext(jinja_env: Any) -> None:
    """The templates' ``_()`` and ``ngettext()`` with the catalogue above, as
    Flask-Babel installs them otherwise (new-style: ``%(name)s`` filled, escaped)."""
    jinja_env.install_gettext_callables(
        gettext=lambda s: current_translations().ugettext(s),
        ngettext=lambda s, p, n: current_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: current_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: current_translations().unpgettext(c, s, p, n),
    )
