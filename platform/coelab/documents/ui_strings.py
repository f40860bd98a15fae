"""The text the co-editor's script shows (the editor, its status and messages, the
presence list, the inline comments), translated for the page.

Templates write ``ui_strings()`` into a JSON data block, ``<script
type="application/json" id="coelab-i18n">``, that the script reads (frontend/src/i18n.js):
the page's Content-Security-Policy runs no inline script, and a data block is not one.
Placeholders such as ``%(max)s`` are left for the script to fill. Keys are grouped by
where the text shows.
"""

from __future__ import annotations

from flask_babel import gettext as _
from jinja2.ext import Extension


def ui_strings() -> dict[str, str]:
    """Key -> text in the page's language."""
    return {
        # the connection status line
        "status.connected": _("Connecté : vos modifications sont enregistrées au fil de l'eau."),
        "status.connectedReadonly": _(
            "Connecté, en lecture seule : vous voyez les modifications des auteurs en direct, "
            "sans pouvoir modifier le texte."),
        "status.connecting": _("Connexion…"),
        "status.loading": _("Chargement du texte…"),
        "status.reconnecting": _(
            "Connexion perdue, reconnexion en cours : vous pouvez continuer à écrire, "
            "rien n'est perdu."),
        "status.offline": _(
            "Hors ligne : vos modifications sont gardées sur cet appareil et seront "
            "fusionnées au retour de la connexion."),
        "status.readonly": _("Lecture seule : vous pouvez lire ce document, pas le modifier."),
        "status.stopped": _("Déconnecté : ce document n'est plus synchronisé."),
        "status.stoppedReadonly": _(
            "Déconnecté : ce document n'est plus synchronisé et le texte n'est plus "
            "modifiable ici."),
        "status.rateLimited": _(
            "Connecté : vous avez fait beaucoup de modifications d'un coup ; les dernières "
            "seront envoyées dans un instant."),
        "status.outOfSync": _("Connecté : synchronisation de vos dernières modifications…"),
        # the message line under the editor
        "error.refused": _("Le serveur a refusé une modification : %(detail)s"),
        "error.pasteTooLarge": _(
            "Ce texte est trop long pour être ajouté en une fois (%(max)s au plus) : il n'a "
            "pas été inséré. Collez-le en plusieurs morceaux."),
        "error.updateTooLarge": _(
            "Votre dernière modification est trop volumineuse pour être envoyée en une fois "
            "(%(max)s au plus) : elle n'est pas encore enregistrée. Elle sera renvoyée avec "
            "vos autres modifications dans quelques secondes."),
        "error.documentTooLarge": _(
            "Vos dernières modifications ne peuvent pas être enregistrées : elles sont trop "
            "volumineuses. Copiez votre texte dans un autre logiciel pour le garder, "
            "supprimez du document le passage que vous venez d'ajouter, puis rechargez la "
            "page."),
        # why the editor stopped for good
        "stop.accessRevoked": _(
            "Votre accès à ce document a été retiré (équipe, cohorte ou jury) : la connexion "
            "est coupée et vos modifications ne sont plus enregistrées. Copiez ce que vous "
            "voulez garder, puis rechargez la page."),
        "stop.unauthenticated": _(
            "Votre session a pris fin : la connexion est coupée. Ce que vous avez écrit est "
            "gardé sur cet appareil ; rechargez la page et reconnectez-vous pour l'envoyer."),
        "stop.unknownDocument": _(
            "Ce document n'existe plus, ou vous n'y avez plus accès : la connexion est "
            "coupée et vos modifications ne sont plus enregistrées. Rechargez la page."),
        "stop.frameTooLarge": _(
            "Vos dernières modifications sont trop volumineuses pour être envoyées : la "
            "connexion est suspendue. Copiez votre texte dans un autre logiciel pour le "
            "garder, supprimez du document le passage que vous venez d'ajouter, puis "
            "rechargez la page dans une minute."),
        "editor.label": _("Texte du document"),
        "preview.offline": _("Aperçu indisponible hors ligne."),
        "presence.self": _("(vous)"),
        "presence.reader": _("(lecture)"),
        "presence.anonymous": _("Anonyme"),
        # inline comments
        "comments.goto": _("Aller au passage"),
        "comments.reply": _("Répondre"),
        "comments.replyLabel": _("Votre réponse"),
        "comments.resolve": _("Marquer comme résolu"),
        "comments.reopen": _("Rouvrir la discussion"),
        "comments.resolved": _("Résolu"),
        "comments.resolvedBy": _("Résolu par %(name)s"),
        "comments.deleted": _("Passage supprimé"),
        "comments.panel": _("Note privée du jury"),
        "comments.margin": _("Passage commenté : voir la discussion"),
        "comments.selectFirst": _("Sélectionnez d'abord le passage à commenter."),
        "comments.network": _(
            "Le serveur ne répond pas : vérifiez votre connexion et réessayez."),
    }


class UiStringsExtension(Extension):
    """Makes ``ui_strings()`` a global of the templates:
    ``app.jinja_env.add_extension("coelab.documents.ui_strings.UiStringsExtension")``."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.globals["ui_strings"] = ui_strings
