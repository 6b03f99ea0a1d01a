"""Vocabularies of a request; labels are marked for translation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

DIRECTIONS = {"incoming": _l("Incoming"), "outgoing": _l("Outgoing")}
KINDS = {"mla": _l("Mutual legal assistance"), "extradition": _l("Extradition")}

PERSON_ROLES = {
    "suspect": _l("Suspect / accused"),
    "witness": _l("Witness"),
    "victim": _l("Victim"),
    "expert": _l("Expert"),
    "other": _l("Other"),
}

MEASURES = {
    "bank_records": _l("Bank records"),
    "search_seizure": _l("Search and seizure"),
    "witness_hearing": _l("Hearing of a witness"),
    "suspect_hearing": _l("Questioning of a suspect"),
    "service_of_documents": _l("Service of documents"),
    "video_link_hearing": _l("Hearing by video link"),
    "freezing": _l("Freezing of assets"),
    "confiscation": _l("Confiscation"),
    "production_order": _l("Production of documents or records"),
    "electronic_evidence": _l("Electronic evidence (subscriber, traffic, content data)"),
    "temporary_transfer": _l("Temporary transfer of a person in custody"),
    "covert_measures": _l("Covert or interception measures"),
    "locate_person": _l("Locating or identifying a person"),
    "expert_examination": _l("Expert examination"),
    "other": _l("Other assistance"),
}
# Measures that compel someone or interfere with rights: they raise dual criminality.
COERCIVE_MEASURES = frozenset(
    {"bank_records", "search_seizure", "freezing", "confiscation", "production_order",
     "electronic_evidence", "temporary_transfer", "covert_measures"}
)

REFERENCE_PREFIXES = {"mla": "MLA", "extradition": "EXT"}
DIRECTION_CODES = {"incoming": "IN", "outgoing": "OUT"}

# Sentinel for a life sentence: meets every threshold (DOMAIN.md).
LIFE_MONTHS = 9999
