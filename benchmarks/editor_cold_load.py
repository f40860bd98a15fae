"""How fast a deliverable's editor page loads, with an empty and with a warm browser cache.

    .venv/bin/python benchmarks/editor_cold_load.py [--runs 7] [--network all] [--compare]
        [--url http://127.0.0.1:5000 --path /deliverables/1]

Starts the demo server (what `make run` does: migrate, load the catalogue and the demo,
`coelab serve` with gevent, on a fresh SQLite file) unless ``--url`` names a running one,
logs in as the demo trainee (stagiaire@demo.coelab.invalid) and opens their first
deliverable's page in headless Chromium (``/usr/bin/chromium``, or ``COELAB_CHROMIUM``)
``--runs`` times. Each run is a new browser context (empty HTTP cache, the session's
cookies): the page is opened once ("cold"), closed, and opened again in the same context
("warm", a second visit). For each it measures:

- the bytes received over the network (the Chrome DevTools protocol's
  ``encodedDataLength``, headers included, WebSocket frames excluded) and the number of
  HTTP requests that went to the server (answers from the browser's cache excluded);
- the first contentful paint (``performance``'s ``first-contentful-paint``);
- the time until the editor first holds text ("text shown": from the page's copy of the
  document, this device's, or the server's);
- the time until ``#connection-status`` says ``data-state="connected"`` (the document is
  synchronised and editable), from the start of the navigation.

``--baseline`` serves the static files through Flask's stock route instead of
coelab.assets (no compression, no versioned URLs, each file revalidated at each visit);
``--compare`` starts both servers and alternates between them, run after run, so that
whatever else the machine does slows both alike: the comparison on the same templates
and bundle.

Network profiles (``--network``): ``loopback`` (no throttling), ``4g`` (9 Mbit/s down,
1.5 Mbit/s up, 60 ms round trip) and ``slow4g`` (Lighthouse's mobile profile: 1.6 Mbit/s,
750 kbit/s, 150 ms), emulated by Chromium. Prints the median and p95 of each figure;
nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("COELAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
TRAINEE = "stagiaire@demo.coelab.invalid"
PASSWORD = "coelab-demo-2026"  # cohort/demo.py, DEMO_PASSWORD
CONNECTED = "#connection-status[data-state='connected']"

# bytes per second and milliseconds of round trip (Chromium's emulation adds the latency
# to every request)
NETWORKS = {
    "loopback": None,
    "4g": {"latency": 60, "downloadThroughput": 9_000_000 / 8,
           "uploadThroughput": 1_500_000 / 8},
    "slow4g": {"latency": 150, "downloadThroughput": 1_600_000 / 8,
               "uploadThroughput": 750_000 / 8},
}

# Records, at the navigation's start (before any script of the page), when the status
# element first says "connected": performance.now() counts from the navigation's start.
WATCH_CONNECTED = """
(() => {
  window.__coelabConnectedAt = null
  window.__coelabTextAt = null
  const check = () => {
    const el = document.getElementById('connection-status')
    if (el && el.dataset.state === 'connected' && window.__coelabConnectedAt === null) {
      window.__coelabConnectedAt = performance.now()
    }
    const text = document.querySelector('#editor .cm-content')
    if (text && text.textContent.length > 0 && window.__coelabTextAt === null) {
      window.__coelabTextAt = performance.now()
    }
    if (window.__coelabConnectedAt !== null && window.__coelabTextAt !== null) {
      observer.disconnect()
    }
  }
  const observer = new MutationObserver(check)
  observer.observe(document, { subtree: true, childList: true, attributes: true,
                               attributeFilter: ['data-state'] })
})()
"""

READ_TIMES = """() => {
  const fcp = performance.getEntriesByName('first-contentful-paint')[0]
  return { fcp: fcp ? fcp.startTime : null, connected: window.__coelabConnectedAt,
           text: window.__coelabTextAt }
}"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# `coelab serve` with Flask's stock static route, as before coelab.assets: no version in
# the URLs, no compression, every file revalidated at each visit (for comparisons)
BASELINE = (
    "import sys\n"
    "from gevent import monkey\n"
    "monkey.patch_all()\n"
    "import coelab.assets\n"
    "coelab.assets.init_app = lambda app: None\n"
    "from coelab.launcher import main\n"
    "main()\n"
)


def start_demo(tmp: Path, baseline: bool):
    """The demo server on a fresh SQLite database (tests/live.py's helpers)."""
    from tests import live

    env = live.server_env(tmp, f"sqlite:///{tmp / 'demo.db'}")
    for args in (["db", "upgrade"], ["catalogue", "load"], ["demo"]):
        live.run(args, env)
    command = live.COELAB
    if baseline:
        live.COELAB = [sys.executable, "-c", BASELINE]
    try:
        return live.Server(env, tmp / "server.log").start(timeout=60)
    finally:
        live.COELAB = command


def log_in(browser, base_url: str) -> dict:
    """The trainee's session cookies (a context's storage state)."""
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(base_url + "/login")
    page.get_by_label("Adresse e-mail").fill(TRAINEE)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(base_url + "/dashboard")
    state = context.storage_state()
    context.close()
    return state


def first_deliverable(browser, base_url: str, state: dict) -> str:
    """The path of the first deliverable page linked from the trainee's dashboard."""
    context = browser.new_context(locale="fr-FR", storage_state=state)
    page = context.new_page()
    page.goto(base_url + "/dashboard")
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    context.close()
    for href in hrefs:
        path = href.split("#")[0]
        if path.startswith("/deliverables/") and path.removeprefix("/deliverables/").isdigit():
            return path
    raise SystemExit("no deliverable linked from the trainee's dashboard: pass --path")


def visit(context, url: str, network: dict | None) -> dict:
    """Open ``url`` in a new page of ``context``; the figures of that one visit."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    received = {"bytes": 0}
    answered: set[str] = set()  # requests the server answered (200, 206, 304...)
    cached: set[str] = set()  # requests the memory cache answered

    def finished(event):
        received["bytes"] += event.get("encodedDataLength", 0)

    def response(event):
        if not (event["response"].get("fromDiskCache")
                or event["response"].get("fromPrefetchCache")):
            answered.add(event["requestId"])

    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.responseReceived", response)
    cdp.on("Network.requestServedFromCache", lambda event: cached.add(event["requestId"]))
    cdp.send("Network.enable")
    if network:
        cdp.send("Network.emulateNetworkConditions", {"offline": False, **network})
    page.add_init_script(WATCH_CONNECTED)
    page.goto(url, wait_until="load", timeout=60000)
    page.wait_for_selector(CONNECTED, timeout=60000)
    times = page.evaluate(READ_TIMES)
    page.close()
    return {"bytes": received["bytes"], "requests": len(answered - cached),
            "fcp": times["fcp"], "connected": times["connected"], "text": times["text"]}


def report(label: str, runs: list[dict]) -> None:
    def stat(key: str, scale: float = 1.0, unit: str = "", fmt: str = ".0f") -> str:
        values = [r[key] / scale for r in runs if r[key] is not None]
        if not values:
            return f"{key} n/a"
        return (f"{statistics.median(values):{fmt}}{unit} "
                f"(p95 {percentile(values, 0.95):{fmt}}{unit})")

    print(f"{label:<18} transferred {stat('bytes', 1024, ' KB', '.1f')}  "
          f"requests {stat('requests')}  FCP {stat('fcp', unit=' ms')}  "
          f"text shown {stat('text', unit=' ms')}  "
          f"connected {stat('connected', unit=' ms')}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--network", choices=[*NETWORKS, "all"], default="all")
    parser.add_argument("--baseline", action="store_true",
                        help="serve static files as before coelab.assets (Flask's own route)")
    parser.add_argument("--compare", action="store_true",
                        help="two demo servers, with and without coelab.assets, taking turns")
    parser.add_argument("--url", default="", help="a running demo server (else one is started)")
    parser.add_argument("--path", default="", help="the editor page (else the trainee's first "
                        "deliverable)")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM} (set COELAB_CHROMIUM)")
    tmp = Path(tempfile.mkdtemp(prefix="coelab-load-bench-"))
    servers = []
    try:
        if args.url:
            targets = {"": args.url.rstrip("/")}
        else:
            kinds = {"": args.baseline} if not args.compare else {
                "coelab.assets": False, "before (Flask's static route)": True}
            targets = {}
            for n, (label, baseline) in enumerate(kinds.items()):
                started = time.monotonic()
                servers.append(start_demo(tmp / str(n), baseline))
                targets[label] = servers[-1].url
                print(f"demo server {label} at {servers[-1].url} "
                      f"({time.monotonic() - started:.0f} s to set up)")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=CHROMIUM_ARGS)
            pages = {}
            for label, base_url in targets.items():
                state = log_in(browser, base_url)
                path = args.path or first_deliverable(browser, base_url, state)
                pages[label] = (base_url + path, state)
                # one untimed visit: the server's first answers (templates compiled, the
                # document's room loaded) are not what a visitor meets
                context = browser.new_context(locale="fr-FR", storage_state=state)
                visit(context, base_url + path, None)
                context.close()
            print(f"page {path}, {args.runs} runs per figure, median (p95)")
            names = list(NETWORKS) if args.network == "all" else [args.network]
            for name in names:
                cold = {label: [] for label in pages}
                warm = {label: [] for label in pages}
                # the servers take turns: a machine busy with something else slows both
                for _ in range(args.runs):
                    for label, (url, state) in pages.items():
                        context = browser.new_context(locale="fr-FR", storage_state=state)
                        cold[label].append(visit(context, url, NETWORKS[name]))
                        warm[label].append(visit(context, url, NETWORKS[name]))
                        context.close()
                for label in pages:
                    prefix = f"{label}: " if label else ""
                    report(f"{prefix}{name}, cold cache", cold[label])
                    report(f"{prefix}{name}, warm cache", warm[label])
            browser.close()
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)

if __name__ == "__main__":
    main()
