"""Phone timings: Debian's Chromium through Playwright, throttled over CDP like a cheap Android phone
on a weak signal (4× CPU slowdown, 400 ms round trip, 400 kbit/s each way), against the app as
`make run` serves it (gunicorn.conf.py: compressed, kept alive).

Journeys, each with JavaScript on and off, median of REPEATS:
- card cold: a scanned card with nothing cached (the first scan of the day), until its knock
  buttons are there (with JavaScript: and htmx is ready to send them);
- card warm: the next card, CSS and JS cached;
- knock confirmed: a tap on "nobody home" until the card says it was logged (with JavaScript the
  fragment swap; without, the POST, its redirect and the card page again);
- walk page: a building's walk page, warm.
Service workers are blocked, so every figure is the network's and the server's.

Budgets (DESIGN.md): card usable ≤ 2.5 s cold and ≤ 1 s warm; a knock confirmed ≤ 1.3 × one round
trip (520 ms). Prints a table and writes bench/results/phone.json; asserts nothing.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.httpclient import free_port  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "bench-password-1"
RTT_MS = 400
KBIT = 400
CPU_SLOWDOWN = 4
REPEATS = int(os.environ.get("BENCH_PHONE_REPEATS", "3"))
RESULTS = ROOT / "bench" / "results"
BUDGETS = {"card cold": 2500, "card warm": 1000, "knock confirmed": round(1.3 * RTT_MS), "walk page": None}


def serve(env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                            env={**env, "PORT": str(port), "ACCESS_LOG": ""}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the app did not start")


def throttle(context, page) -> None:
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": RTT_MS, "downloadThroughput": KBIT * 1000 / 8,
        "uploadThroughput": KBIT * 1000 / 8, "connectionType": "cellular3g"})
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    return cdp


# Measured by the page itself, so Playwright's own work is not counted: a navigation is usable at
# the later of DOMContentLoaded's end (deferred scripts, htmx among them, have run) and the first
# contentful paint; both count from the navigation's start (a POST and its redirect included).
USABLE = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  return Math.max(nav.domContentLoadedEventEnd, paint ? paint.startTime : 0);
}"""
# With JavaScript a knock is a fragment swap: from the tap to the confirmation in the page.
WATCH_KNOCK = """() => {
  window.__tapped = null; window.__confirmed = null;
  document.addEventListener('click', () => { window.__tapped = window.__tapped || performance.now(); }, true);
  // htmx keeps the old attributes until it settles: the confirmation is on screen then.
  document.body.addEventListener('htmx:afterSettle', () => {
    if (!window.__confirmed && document.querySelector('#knock.done')) window.__confirmed = performance.now();
  });
}"""


def journeys(browser, base: str, tokens: list[str], walk: str, javascript: bool) -> dict[str, dict]:
    times: dict[str, list[float]] = {name: [] for name in BUDGETS}
    wire: dict[str, list[int]] = {name: [] for name in BUDGETS}
    for repeat in range(REPEATS):
        # Service workers blocked: every figure is the network's (a building taken offline is quicker still).
        context = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=True,
                                      locale="zh-CN", service_workers="block")
        page = context.new_page()
        page.goto(f"{base}/login")  # logging in is not timed
        page.fill("input[name=username]", "volunteer")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        cdp = throttle(context, page)
        if not javascript:
            cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
        cdp.send("Network.clearBrowserCache")
        received = []
        page.on("requestfinished", lambda request: received.append(request))

        def navigation(name, go):
            received.clear()
            go()
            page.wait_for_load_state("load")
            cdp.send("Emulation.setScriptExecutionDisabled", {"value": False})  # to read the timings
            times[name].append(page.evaluate(USABLE))
            if not javascript:
                cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
            wire[name].append(sum(r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"] for r in received))

        cold, warm = tokens[2 * repeat], tokens[2 * repeat + 1]
        navigation("card cold", lambda: page.goto(f"{base}/h/{cold}"))
        navigation("card warm", lambda: page.goto(f"{base}/h/{warm}"))
        if javascript:
            received.clear()
            page.evaluate(WATCH_KNOCK)
            page.click("button.outcome-not_home")
            page.wait_for_function("() => window.__confirmed", polling=20)
            times["knock confirmed"].append(page.evaluate("() => window.__confirmed - window.__tapped"))
            page.wait_for_load_state("load")
            wire["knock confirmed"].append(sum(r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"]
                                               for r in received))
        else:
            navigation("knock confirmed", lambda: page.click("button.outcome-not_home"))
            assert page.query_selector("#knock.done"), "the card did not confirm the knock"
        navigation("walk page", lambda: page.goto(f"{base}{walk}"))
        context.close()
    return {name: {"median_ms": statistics.median(values), "runs_ms": values,
                   "bytes": statistics.median(wire[name])} for name, values in times.items()}


def main() -> dict:
    from playwright.sync_api import sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="doorstep-bench-phone-"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'phone.db'}", "SECRET_KEY": "bench-secret",
           "WORKERS": "2"}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["demo", "--households", "600", "--password", PASSWORD], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    proc, port = serve(env)
    base = f"http://127.0.0.1:{port}"
    try:
        from bench.httpclient import Session

        client = Session(port)
        client.login("volunteer", PASSWORD)
        _, _, home = client.request("GET", "/")
        building = re.findall(r'/buildings/(\d+)"', home)[0]
        _, _, page = client.request("GET", f"/buildings/{building}")
        tokens = list(dict.fromkeys(re.findall(r'href="/h/([\w-]+)"', page)))
        walk = f"/buildings/{building}/walk"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=["--no-sandbox", "--disable-gpu", "--disable-quic"])
            result = {"javascript on": journeys(browser, base, tokens[:2 * REPEATS], walk, True),
                      "javascript off": journeys(browser, base, tokens[2 * REPEATS:4 * REPEATS], walk, False)}
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    result["conditions"] = {"rtt_ms": RTT_MS, "kbit_s": KBIT, "cpu_slowdown": CPU_SLOWDOWN, "repeats": REPEATS,
                            "load_average": os.getloadavg()}
    print(f"phone: {CPU_SLOWDOWN}× CPU, {RTT_MS} ms RTT, {KBIT} kbit/s; median of {REPEATS}")
    print(f"{'journey':18} {'JS on':>10} {'JS off':>10}   budget     bytes on/off")
    for name, budget in BUDGETS.items():
        on, off = result["javascript on"][name], result["javascript off"][name]
        print(f"{name:18} {on['median_ms']:8.0f} ms {off['median_ms']:8.0f} ms   "
              f"{('<= ' + str(budget) + ' ms') if budget else '—':10} {on['bytes']:.0f}/{off['bytes']:.0f}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "phone.json").write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
