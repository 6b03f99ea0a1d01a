"""The start page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from mla.cases.queries import dashboard_counts
from mla.core.access import allow_any_user

bp = Blueprint("core", __name__)


@bp.route("/")
@allow_any_user
def home():
    return render_template("core/home.html", counts=dashboard_counts(current_user))

