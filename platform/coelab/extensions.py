"""Flask extensions, created unbound and attached to an app by the factory."""

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_socketio import SocketIO
from flask_wtf import CSRFProtect


def client_address() -> str:
    return request.remote_addr or "unknown"


login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Limits are declared on the routes that need them (login, reset): editing is never
# throttled per address, since a whole classroom can share one.
limiter = Limiter(key_func=client_address, default_limits=[])
socketio = SocketIO()
