"""Entry point of the ``coelab`` command.

``coelab serve`` runs on gevent, whose monkey-patching must happen before anything
imports ``socket`` or ``ssl``; this module therefore patches first, then loads the CLI.
"""

from __future__ import annotations

import sys


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        from gevent import monkey  # noqa: PLC0415 - before anything imports socket

        monkey.patch_all()
    # imported only now, after gevent's patching (see above)
    from flask.cli import FlaskGroup  # noqa: PLC0415 - after gevent's patching

    from .app import create_app  # noqa: PLC0415 - after gevent's patching
    from .config import ConfigError  # noqa: PLC0415 - after gevent's patching

    command = FlaskGroup(name="coelab", help="Coélab administration commands.",
                         create_app=lambda: create_app(), add_version_option=False,
                         add_default_commands=False)
    try:
        command(standalone_mode=True)
    except ConfigError as exc:
        print(f"Coélab cannot start: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


if __name__ == "__main__":
    main()
