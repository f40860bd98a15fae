"""Error pages in the site's style; never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .db import db

log = logging.getLogger(__name__)


def _page(code: int, title: str, message: str):
    return render_template("coelab/error.html", code=code, title=title, message=message), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _page(
            400,
            _("Formulaire expiré"),
            _(
                "Le formulaire n'a pas pu être vérifié (jeton de sécurité absent ou expiré). "
                "Rechargez la page et recommencez."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        messages = {
            400: (_("Requête invalide"), _("La requête n'a pas pu être comprise.")),
            403: (
                _("Accès refusé"),
                _("Vous n'avez pas les droits nécessaires pour cette action."),
            ),
            404: (
                _("Page introuvable"),
                _("Cette page n'existe pas, ou vous n'y avez pas accès."),
            ),
            405: (_("Méthode non autorisée"), _("Cette action n'est pas possible ici.")),
            413: (_("Fichier trop volumineux"), _("Le contenu envoyé dépasse la taille permise.")),
            429: (
                _("Trop de tentatives"),
                _(
                    "Trop de tentatives en peu de temps. Patientez une minute avant de "
                    "réessayer."
                ),
            ),
        }
        title, message = messages.get(exc.code or 500, (exc.name, exc.description or ""))
        return _page(exc.code or 500, title, message)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        log.exception("unhandled error", exc_info=exc)
        db.session.rollback()
        return _page(
            InternalServerError.code,
            _("Erreur inattendue"),
            _(
                "Une erreur inattendue s'est produite ; elle a été enregistrée. Votre travail "
                "déjà enregistré n'est pas perdu. Réessayez dans un instant."
            ),
        )
