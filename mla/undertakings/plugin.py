"""Conditions and assurances: registration."""

from __future__ import annotations

from typing import Any

from mla.core.plugins import Domain
from mla.undertakings import forms, hooks, models, views
from mla.undertakings.services import (
    ASSURANCE_KINDS,
    CONSENT_PURPOSES,
    REFERRAL_OUTCOMES,
    consent_rule,
    undertakings_for,
)


def panel_forms(case: Any, documents: list[Any]) -> dict[str, object]:
    """Blank forms for the panels (filled ones come back on the form page)."""
    return {"speciality": forms.SpecialityForm(formdata=None),
            "discharge": forms.DischargeForm(formdata=None),
            "consent": forms.ConsentForm(formdata=None),
            "assurance": forms.AssuranceForm(formdata=None),
            "limitation": views.limitation_form(case, documents) if documents else None,
            "outcome": forms.OutcomeForm(formdata=None),
            "confirm": forms.ConfirmForm(formdata=None)}


DOMAIN = Domain(
    name="undertakings",
    models=(models,),
    blueprints=(views.bp,),
    hooks=(hooks,),
    template_globals={
        "undertakings_for": undertakings_for, "undertaking_forms": panel_forms,
        "consent_rule": consent_rule, "ASSURANCE_KINDS": ASSURANCE_KINDS,
        "CONSENT_PURPOSES": CONSENT_PURPOSES, "REFERRAL_OUTCOMES": REFERRAL_OUTCOMES,
        "LIMITATION_KINDS": forms.LIMITATION_KINDS,
        "consent_decision_form": lambda c: forms.ConsentDecisionForm(formdata=None,
                                                                     prefix=f"c{c.id}"),
        "receive_assurance_form": lambda a: forms.ReceiveAssuranceForm(formdata=None,
                                                                       prefix=f"r{a.id}"),
        "assess_assurance_form": lambda a: forms.AssessAssuranceForm(formdata=None,
                                                                     prefix=f"a{a.id}"),
        "use_consent_answer_form": lambda lim: forms.UseConsentAnswerForm(
            formdata=None, prefix=f"u{lim.id}"),
    },
)
