"""Co-editing with several processes behind nginx, against one process and the reference.

    .venv/bin/python benchmarks/multiprocess.py --postgres postgresql://postgres@127.0.0.1:5432/test
        [--seconds 20] [--quick] [--editors 20] [--redis redis://127.0.0.1:6379/0]

Scenarios (benchmarks/realtime.py's Node load generator, its stock y-socket.io clients,
and its reference server `@y/websocket-server`, all reused from there):

- one document, ``--editors`` editors: one `coelab serve` process (PostgreSQL, as the
  others), then `coelab serve --processes 2` behind nginx configured by deploy/nginx.conf
  (the editors' handshakes name no document, so nginx deals them round robin: about
  half of them sit on each process and most updates cross from one process to the
  other through Redis), then the reference server;
- 100 documents x 10 editors, the same three, and a fourth: two processes behind nginx
  with the handshakes naming their document as the editor's page does, so that nginx
  keeps each document's editors on one process.

Prints p50/p95/p99 propagation latency, delivered/expected updates (every update must
be delivered within the run), convergence, the servers' CPU (both workers together for
the two processes; nginx's own apart) and the p99 ratio to the reference. Needs nginx
(/usr/sbin/nginx), PostgreSQL and Redis; runs on 127.0.0.1 only; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from realtime import cpu_seconds, line, load, prepare, reference_server  # noqa: E402

from tests.live import Nginx, Processes, Server, free_port  # noqa: E402

SCHEMA = "coelab_bench_mp"


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _cpu(pids: list[int], system: bool = False) -> float:
    """CPU seconds of ``pids`` together (their system time alone with ``system``)."""
    total = 0.0
    for pid in pids:
        try:
            total += cpu_seconds(pid, system=True) if system else cpu_seconds(pid)
        except OSError:  # gone
            pass
    return total


def _database(url: str) -> str:
    from tests.conftest import reset_pg_schema

    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    reset_pg_schema(url, SCHEMA)
    return f"{url}?options=-csearch_path%3D{SCHEMA}"


def run_single(postgres: str, run_dir: Path, layout: list[int], seconds: int,
               load_workers: int, redis: str | None = None) -> tuple[dict, list[dict]]:
    """One process; with ``redis``, its broadcasts go through the queue as with two."""
    settings = ({"COELAB_MESSAGE_QUEUE": redis,
                 "COELAB_MESSAGE_QUEUE_CHANNEL": f"coelab-bench-{uuid.uuid4().hex}"}
                if redis else {})
    env, documents = prepare(_database(postgres), run_dir, layout, **settings)
    server = Server(env, run_dir / "single.log").start()
    try:
        result = load("coelab", server.url, documents, seconds, server.process.pid,
                      load_workers)
    finally:
        server.stop()
    return result, documents


def run_two(postgres: str, redis: str, run_dir: Path, layout: list[int], seconds: int,
            load_workers: int, affinity: bool = False) -> dict:
    env, documents = prepare(_database(postgres), run_dir, layout,
                             COELAB_MESSAGE_QUEUE=redis,
                             COELAB_MESSAGE_QUEUE_CHANNEL=f"coelab-bench-{uuid.uuid4().hex}")
    processes = Processes(env, run_dir / "workers.log", processes=2).start()
    nginx = None
    try:
        nginx = Nginx(run_dir / "nginx", workers=2, base_port=processes.base_port).start()
        workers = [processes.worker_pid(k) for k in (1, 2)]
        nginx_pids = [nginx.process.pid, *_children(nginx.process.pid)]
        before, nginx_before, started = _cpu(workers), _cpu(nginx_pids), time.monotonic()
        system_before = _cpu(workers, system=True)
        # load() measures the CPU of the pid it is given (the supervisor, idle): the
        # workers' and nginx's are measured here, over the same span
        result = load("coelab", nginx.url, documents, seconds, processes.process.pid,
                      load_workers, affinity=affinity)
        elapsed = time.monotonic() - started
        spent = _cpu(workers) - before
        result["server_cpu"] = spent / elapsed
        if "server_system" in result:  # the kernel's share, as realtime.load gives it
            result["server_system"] = ((_cpu(workers, system=True) - system_before) / spent
                                       if spent else 0.0)
        if "cpu_per_update" in result:  # as realtime.load counts it: per update typed
            editors = len(documents[0]["tokens"])
            typed = result["expected"] // (editors - 1) if editors > 1 else 0
            result["cpu_per_update"] = spent / typed * 1e6 if typed else None
        result["nginx_cpu"] = (_cpu(nginx_pids) - nginx_before) / elapsed
        restarted = [k for k in (1, 2) if processes.worker_pid(k) != workers[k - 1]]
        if restarted:
            print(f"  (workers {restarted} died during the run and were started again)")
    finally:
        if nginx is not None:
            nginx.stop()
        processes.stop()
    return result


def run_reference(documents: list[dict], seconds: int, load_workers: int) -> dict:
    port = free_port()
    reference = reference_server(port)
    try:
        return load("reference", f"ws://127.0.0.1:{port}", documents, seconds,
                    reference.pid, load_workers)
    finally:
        reference.terminate()
        reference.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", metavar="URL",
                        default=os.environ.get("COELAB_TEST_DATABASE_URL"),
                        help="PostgreSQL database (schema coelab_bench_mp, dropped and "
                             "created for each run); default: COELAB_TEST_DATABASE_URL")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="5 s runs")
    parser.add_argument("--editors", type=int, default=20,
                        help="editors of the one-document scenario")
    parser.add_argument("--only", help="run the scenarios whose label contains this text")
    parser.add_argument("--load-workers", type=int, default=2)
    parser.add_argument("--queue-baseline", action="store_true",
                        help="also one process with the Redis queue (what the queue costs, "
                             "apart from a second process)")
    args = parser.parse_args()
    if not args.postgres:
        parser.error("several processes need PostgreSQL: --postgres URL")
    if not os.access("/usr/sbin/nginx", os.X_OK):
        parser.error("nginx is needed (/usr/sbin/nginx: apt-get install nginx-light)")
    seconds = 5 if args.quick else args.seconds
    scenarios = [(f"1 doc x {args.editors} editors", [args.editors]),
                 ("100 docs x 10 editors", [10] * 100)]
    print(f"Each editor: ~5 inserts/s of 1-3 characters, {seconds} s per run, "
          f"{os.cpu_count()} cores; Coélab on PostgreSQL.\n")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for label, layout in scenarios:
            if args.only and args.only not in label:
                continue
            base = tmp / label.replace(" ", "_")
            (base / "single").mkdir(parents=True)
            (base / "two").mkdir()
            single, documents = run_single(args.postgres, base / "single", layout, seconds,
                                           args.load_workers)
            queued = None
            if args.queue_baseline:
                (base / "queued").mkdir()
                queued, _ = run_single(args.postgres, base / "queued", layout, seconds,
                                       args.load_workers, redis=args.redis)
            two = run_two(args.postgres, args.redis, base / "two", layout, seconds,
                          args.load_workers)
            together = None
            if len(layout) > 1:
                # the editor's page names its document in the handshake: nginx keeps
                # each document's editors on one process (deploy/nginx.conf)
                (base / "together").mkdir()
                together = run_two(args.postgres, args.redis, base / "together", layout,
                                   seconds, args.load_workers, affinity=True)
            ref = run_reference(documents, seconds, args.load_workers)
            print(line(f"{label} — 1 process", single, ref))
            if queued is not None:
                print(line(f"{label} — 1 process + Redis", queued, ref))
            print(line(f"{label} — 2 behind nginx", two, ref)
                  + f"  nginx CPU {100 * two['nginx_cpu']:4.1f} %"
                  + (f"  p99 vs 1 process {two['p99'] / single['p99']:.2f}x"
                     if single["p99"] else ""))
            if together is not None:
                print(line(f"{label} — 2 behind nginx, by document", together, ref)
                      + f"  nginx CPU {100 * together['nginx_cpu']:4.1f} %"
                      + (f"  p99 vs 1 process {together['p99'] / single['p99']:.2f}x"
                         if single["p99"] else ""))
            print(line(f"{label} — reference", ref, None))
            sys.stdout.flush()
    from tests.conftest import drop_pg_schema

    drop_pg_schema(args.postgres.replace("postgresql://", "postgresql+psycopg://", 1), SCHEMA)


if __name__ == "__main__":
    main()
