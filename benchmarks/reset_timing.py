"""How long ``POST /password/forgot`` takes for an address with an account and without.

    .venv/bin/python benchmarks/reset_timing.py [--rounds 200] [--smtp-ms 0]
        [--database sqlite:///...|postgresql+psycopg://...]

In-process, through Flask's test client (no network, no CSRF, no rate limit), on a
fresh SQLite file unless ``--database`` names another database (its tables are created;
use an empty one). Requests for the known and the unknown address alternate; mails go
to the ``memory`` backend, or with ``--smtp-ms N`` to a fake SMTP server that takes N
milliseconds per message (as a slow relay would). Prints the median, p10 and p90 of
each, and their difference; nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KNOWN = "known.person@example.org"
UNKNOWN = "nobody.here@example.org"


class SlowSMTP:
    """Stands for ``smtplib.SMTP``: accepts every message after ``delay`` seconds."""

    delay = 0.0
    sent = 0

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, *args):
        pass

    def send_message(self, message):
        time.sleep(SlowSMTP.delay)
        SlowSMTP.sent += 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--smtp-ms", type=float, default=0.0,
                        help="use the SMTP backend with a fake server this slow")
    parser.add_argument("--database", default="")
    args = parser.parse_args()

    from coelab import create_app, mail
    from coelab import operations as ops
    from coelab.db import db

    tmp = Path(tempfile.mkdtemp(prefix="coelab-reset-bench-"))
    database = args.database or f"sqlite:///{tmp / 'bench.db'}"
    backend = "smtp" if args.smtp_ms else "memory"
    app = create_app({
        "SECRET_KEY": "bench-secret", "SQLALCHEMY_DATABASE_URI": database,
        "INSTANCE_PATH": str(tmp / "instance"), "MAIL_BACKEND": backend,
        "SMTP_STARTTLS": False, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 64,
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "SERVER_NAME": None,
    })
    SlowSMTP.delay = args.smtp_ms / 1000
    timings: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
    with mock.patch("smtplib.SMTP", SlowSMTP), app.app_context():
        db.create_all()
        ops.create_user(None, email=KNOWN, first_name="Known", last_name="Person",
                        password="correct horse battery")
        client = app.test_client()
        for address in (KNOWN, UNKNOWN) * 5:  # warm-up: imports, caches, pool
            client.post("/password/forgot", data={"email": address})
        settle = getattr(mail, "flush", None)
        if settle:
            settle(app)
        for _ in range(args.rounds):
            for address in (KNOWN, UNKNOWN):
                started = time.perf_counter()
                response = client.post("/password/forgot", data={"email": address})
                timings[address].append(time.perf_counter() - started)
                assert response.status_code == 302, response.status_code
        if settle:
            settle(app)
        delivered = (SlowSMTP.sent if backend == "smtp"
                     else sum(1 for m in mail.outbox() if m.to == KNOWN))
    print(f"POST /password/forgot, {args.rounds} rounds, mail backend {backend}"
          + (f" ({args.smtp_ms:g} ms per message)" if args.smtp_ms else "")
          + f", database {database.split(':', 1)[0]}")
    for label, address in (("known address  ", KNOWN), ("unknown address", UNKNOWN)):
        ms = [t * 1000 for t in timings[address]]
        print(f"  {label}: median {statistics.median(ms):7.2f} ms   "
              f"p10 {percentile(ms, 0.1):7.2f} ms   p90 {percentile(ms, 0.9):7.2f} ms")
    difference = (statistics.median(timings[KNOWN]) - statistics.median(timings[UNKNOWN]))
    print(f"  median difference (known - unknown): {difference * 1000:+.2f} ms")
    print(f"  mails delivered to the known address: {delivered}")


if __name__ == "__main__":
    main()
