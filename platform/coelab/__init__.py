"""Coélab: co-writing, review and jury platform (the core).

This module imports nothing heavy, so that ``coelab serve`` can let gevent patch the
standard library before Flask, SQLAlchemy or ssl are imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

__version__ = "0.1.0"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build a Coélab app (see :func:`coelab.app.create_app`)."""
    from .app import create_app as factory  # noqa: PLC0415 - lazily: importing the package stays cheap

    return factory(config)


__all__ = ["create_app"]
