"""Language choice: the user's profile setting, else the browser's, else French."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user


def select_locale() -> str:
    languages = list(current_app.config["LANGUAGES"])
    user = current_user
    if user and user.is_authenticated and user.locale in languages:
        return user.locale
    if request:
        best = request.accept_languages.best_match(languages)
        if best:
            return best
    return current_app.config["BABEL_DEFAULT_LOCALE"]
