"""A workflow definition in the page's language.

The files say each label in English; the catalogues hold the other languages under
keys made by ``mla.core.i18n.workflow_key`` (extracted by ``extract_workflows``). The
registry hands pages a copy whose labels, descriptions, help texts and choices are
looked up in the language in force; names, versions and everything the engine reads
stay as they are. That is the request's language on a page, and outside a request
(the scheduler, the CLI) whatever ``force_locale`` set (a letter's language, a
notice's reader's) or else the instance default, as for every other data word
(``mla.core.locale``). Only with no application context at all, where there is no
catalogue to read, does a definition stay as its file says it. What is stored reads
the file's words through ``registry.as_written``.
"""

from __future__ import annotations

from dataclasses import replace

from flask_babel import get_locale, get_translations

from mla.core.i18n import data_text, workflow_key
from mla.workflow.definitions import FieldSpec, State, Transition, Workflow


def _state(workflow: str, state: State) -> State:
    key = workflow_key(workflow, "state", state.name)
    return replace(state, label=data_text(key, state.label),
                   description=data_text(f"{key}:description", state.description))


def _field(step_key: str, spec: FieldSpec) -> FieldSpec:
    key = f"{step_key}:field:{spec.name}"
    return replace(spec, label=data_text(key, spec.label),
                   help=data_text(f"{key}:help", spec.help),
                   choices=tuple((value, data_text(f"{key}:choice:{value}", label))
                                 for value, label in spec.choices))


def _transition(workflow: str, step: Transition) -> Transition:
    key = workflow_key(workflow, "step", step.name)
    return replace(step, label=data_text(key, step.label),
                   description=data_text(f"{key}:description", step.description),
                   fields=tuple(_field(key, spec) for spec in step.fields))


def translated(workflow: Workflow) -> Workflow:
    """``workflow`` with its words in the current language (uncached)."""
    name = workflow.name
    return replace(
        workflow,
        title=data_text(workflow_key(name, "title"), workflow.title),
        description=data_text(workflow_key(name, "description"), workflow.description),
        states={key: _state(name, state) for key, state in workflow.states.items()},
        transitions=tuple(_transition(name, step) for step in workflow.transitions),
    )


# Translated copies, per process. A definition is immutable and the registry hands out
# the same object until its file changes; Flask-Babel loads a language's catalogue once
# per process. So a copy holds as long as its definition and its catalogue do:
# translating every workflow's states, steps and fields on each request was a sixth of
# the list page. Keyed by the identity of both; each entry holds them, so neither id is
# reused while the entry lives; and by the locale's name, so the key says which
# language a copy is in rather than rely on each locale having its own catalogue
# object. Bounded: an edited file leaves its old entries behind.
_translated: dict[tuple[int, str, int], tuple[Workflow, object, Workflow]] = {}
_MAX_TRANSLATED = 256


def localized(workflow: Workflow) -> Workflow:
    """``translated(workflow)``, made once per process, definition, locale and catalogue.

    Flask-Babel keeps its locale on ``g``: in an application context ``get_locale()`` is
    the one ``force_locale`` set, else the selector's (the request's, or the instance
    default where there is no request); it is None only with no application context."""
    locale = get_locale()
    if locale is None:
        return workflow
    catalogue = get_translations()
    key = (id(workflow), str(locale), id(catalogue))
    found = _translated.get(key)
    if found is not None and found[0] is workflow and found[1] is catalogue:
        return found[2]
    copy = translated(workflow)
    if len(_translated) >= _MAX_TRANSLATED:
        _translated.clear()
    _translated[key] = (workflow, catalogue, copy)
    return copy
