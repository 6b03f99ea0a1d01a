"""UNTOC art. 18(15): what a request must contain, as the guided draft checks it."""

from __future__ import annotations

from mla.portal.drafts import missing_essentials

COMPLETE = {
    "basics": {"domestic_reference": "PP-1", "contact": "J. Doe"},
    "investigation": {"subject_matter": "Fraud", "conducting_authority": "PP",
                      "offence_name": "Fraud"},
    "persons": {"persons": [{"full_name": "X"}]},
    "purpose": {"purpose": "Evidence", "language": "fr"},
}


def test_untoc_art_18_15_c_no_summary_of_facts_for_service_of_documents():
    service = {**COMPLETE, "assistance": {"measures": ["service_of_documents"]}}
    assert missing_essentials(service) == []          # the old check demanded the facts
    search = {**COMPLETE, "assistance": {"measures": ["service_of_documents", "search_seizure"]}}
    assert [m.citation for m in missing_essentials(search)] == ["UNTOC art. 18(15)(c)"]


def test_untoc_art_18_15_a_is_the_requesting_authority_not_the_file_number():
    without = {**COMPLETE, "basics": {}, "assistance": {"measures": ["bank_records"]},
               "facts": {"summary": "Facts."}}
    cited = {m.citation for m in missing_essentials(without)}
    assert "UNTOC art. 18(15)(a)" not in cited        # file number and contact: good practice
    assert len(missing_essentials(without)) == 2
