"""Short-lived signed tokens that let a non-browser client open a document's socket."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "coelab-document-socket"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(user_id: int, document_id: int, session_id: int) -> str:
    """A token for this person and document, bound to the server-side session it was
    asked in (coelab.sessions): ending that session ends what the token opened."""
    return _serializer().dumps({"u": user_id, "d": document_id, "s": session_id})


def read_token(token: str, document_id: int) -> tuple[int, int] | None:
    """The user id and session id a valid, unexpired token for this document carries,
    else None."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["SOCKET_TOKEN_SECONDS"])
    except (BadSignature, SignatureExpired, TypeError):
        return None
    if not isinstance(data, dict) or data.get("d") != document_id:
        return None
    user_id, session_id = data.get("u"), data.get("s")
    if not isinstance(user_id, int) or not isinstance(session_id, int):
        return None
    return user_id, session_id
