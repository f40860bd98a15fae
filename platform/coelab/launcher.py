"""Entry point of the ``coelab`` command.

``coelab serve`` runs on gevent, whose monkey-patching must happen before anything
imports ``socket`` or ``ssl``; this module therefore patches first, then loads the CLI.
"""

from __future__ import annotations

import sys


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        from gevent import monkey

        monkey.patch_all()
    from .cli import main as cli_main
    from .config import ConfigError

    try:
        cli_main(standalone_mode=True)
    except ConfigError as exc:
        print(f"Coélab cannot start: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


if __name__ == "__main__":
    main()
