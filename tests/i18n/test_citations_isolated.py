"""Article citations on an Arabic page are left-to-right isolates (<bdi dir="ltr">), so the
bidi algorithm does not pull their nested brackets into the Arabic around them
("وثيقة الطلب (art. 18(15))"); English and French pages are unchanged."""

from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from mla.core.citations import isolate_citations
from mla.directory.models import Authority

BDI = '<bdi class="citation" dir="ltr">{}</bdi>'


@pytest.mark.parametrize(("text", "cited"), [
    ("وثيقة الطلب \u200e(art. 18(15))\u200e", ["(art. 18(15))"]),
    ("Art. 46(3) ثم", ["Art. 46(3)"]),
    ("\u200eUNCAC art. 46(9)(b)-(c)\u200e (لا ينطبق، \u200eart. 46(9)(b)\u200e)",
     ["UNCAC art. 46(9)(b)-(c)", "art. 46(9)(b)"]),
    ("يلزم (ECE arts. 14 and 15) و(art. 14(1)(b)).", ["(ECE arts. 14 and 15)", "(art. 14(1)(b))"]),
    # The instrument's name goes with the article; the sentence's full stop does not.
    ("أبلغ \u200e(Framework Decision 2002/584/JHA, art. 17(7))\u200e.",
     ["(Framework Decision 2002/584/JHA, art. 17(7))"]),
    ("قياساً Regulation 1182/71 art. 3(1) and (4) قياساً",
     ["Regulation 1182/71 art. 3(1) and (4)"]),
    # The day of the Arabic sentence stays in it.
    ("يستحق في اليوم 8 (art. 17(3)) ثم", ["(art. 17(3))"]),
    ("FD 2002/584/JHA art. 27؛ art. 23(3)-(4)؛ art. 4a(1)(a)-(d) حالة",
     ["FD 2002/584/JHA art. 27", "art. 23(3)-(4)", "art. 4a(1)(a)-(d)"]),
    ("smart. 5 part. 6 حالة", []),
    # Left to right throughout (words not yet translated): one run already, left alone...
    ("Request document (art. 18(15))", []),
    # ... unless the value is a citation and nothing else (a template writes it in
    # Arabic words).
    ("UNTOC art. 18(24)", ["UNTOC art. 18(24)"]),
])
def test_each_citation_is_wrapped_with_its_run(text, cited):
    html = str(isolate_citations(text))
    assert re.findall(r'<bdi class="citation" dir="ltr">(.*?)</bdi>', html) == cited
    assert re.sub(r"</?bdi[^>]*>", "", html) == text  # nothing else changes


def test_text_is_escaped_and_markup_keeps_its_tags():
    assert str(isolate_citations("حالة <b>art. 5(1)</b> & co")) == \
        "حالة &lt;b&gt;" + BDI.format("art. 5(1)") + "&lt;/b&gt; &amp; co"
    link = Markup('وثيقة <a href="/x" title="art. 5(1)">art. 5(1)</a>')
    assert str(isolate_citations(link)) == \
        'وثيقة <a href="/x" title="art. 5(1)">' + BDI.format("art. 5(1)") + "</a>"


@pytest.fixture
def outgoing(make_case, create_user):
    staff = create_user("caseworker")
    return staff, make_case(staff, direction="outgoing", title="Bank records")


def _link(html: str) -> str:
    found = re.search(r'id="request-document-link">(.*?)</a>', html)
    assert found, "the request document link is on the page"
    return found.group(1)


def test_the_request_document_link_isolates_its_citation_in_arabic(outgoing, client,
                                                                     login_as):
    staff, case = outgoing
    login_as(staff)
    page = client.get(f"/requests/{case.reference}", headers={"Accept-Language": "ar"})
    assert 'dir="rtl"' in page.get_data(as_text=True)
    link = _link(page.get_data(as_text=True))
    assert BDI.format("(art. 18(15))") in link
    assert "وثيقة الطلب" in link  # the Arabic itself stays outside the isolate
    assert "الطلب" not in re.search(r"<bdi[^>]*>(.*?)</bdi>", link).group(1)


@pytest.mark.parametrize(("lang", "words"), [("en", "Request document (art. 18(15))"),
                                             ("fr", None)])
def test_english_and_french_pages_are_unchanged(outgoing, client, login_as, lang, words):
    staff, case = outgoing
    login_as(staff)
    html = client.get(f"/requests/{case.reference}",
                      headers={"Accept-Language": lang}).get_data(as_text=True)
    link = _link(html)
    assert "<bdi" not in link and "art. 18(15)" in link
    if words:
        assert link == words
    assert 'class="citation"' not in html


def test_the_portal_isolates_the_citations_it_shows(client, login_as, create_user, make_case,
                                                    db):
    """The request page a prosecutor reads in Arabic: what happens next."""
    office = Authority(name="Office A", country_code="XZ", kind="prosecution")
    db.session.add(office)
    db.session.commit()
    prosecutor = create_user("prosecutor", authority_id=office.id)
    case = make_case(direction="outgoing", domestic_authority_id=office.id)
    case.workflow_name, case.state = "outgoing_mla", "translation"
    db.session.commit()
    login_as(prosecutor)
    html = client.get(f"/portal/requests/{case.reference}",
                      headers={"Accept-Language": "ar"}).get_data(as_text=True)
    # What happens next: "... (UNTOC art. 18(14))." in Arabic; the full stop outside.
    assert BDI.format("(UNTOC art. 18(14))") + "\u200e." in html


@pytest.mark.parametrize(("lang", "expected"), [
    ("ar", '<span>(<bdi class="citation" dir="ltr">UNTOC art. 18(24)</bdi>)</span>'),
    ("en", "<span>(UNTOC art. 18(24))</span>"),
    ("fr", "<span>(UNTOC art. 18(24))</span>"),
])
def test_a_citation_typed_in_a_field_is_isolated_where_a_template_shows_it(app, lang,
                                                                          expected):
    """A deadline rule's, an assurance's or a limitation's article: a value that is
    only a citation, in brackets the template writes, escaped as any value."""
    from flask import render_template_string

    with app.test_request_context(headers={"Accept-Language": lang}):
        assert render_template_string("<span>({{ c|cite }})</span>",
                                      c="UNTOC art. 18(24)") == expected
        assert "&lt;b&gt;" in render_template_string("{{ c|cite }}", c="<b>art. 5</b> حالة")
