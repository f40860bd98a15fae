"""The admissions blueprint; its pages are declared in the ``*_views`` modules."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admissions", __name__, url_prefix="/admissions")
