"""Knock benchmark: the knock's worker CPU against the stack's ceiling, and its server time.

The ceiling is bench/ceiling.py, a bare Flask route storing one row in SQLite (WAL,
synchronous=NORMAL, unique request id). The floor is bench/floor.py: this app with a logged-in,
CSRF-checked POST route that does nothing, i.e. what every request pays before any work. All three
run under the same gunicorn (gunicorn.conf.py: gthread
workers, keep-alive), in the same run, interleaved, three repetitions, driven by wrk (a light C
client) with bench/knock.lua posting a fresh request id each time. Worker CPU per request is the
workers' utime+stime (from /proc) over the requests wrk completed; set-up is outside the window.

Budgets (DESIGN.md): knock worker CPU ≤ 2 × the ceiling's; median server time ≤ 10 ms; the knock's
fragment ≤ 2 KB as served. Prints figures and writes bench/results/knock.json; asserts nothing.
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
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.httpclient import Session, free_port  # noqa: E402

PASSWORD = "bench-password-1"
HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", "3000"))
LATENCY_SAMPLES = int(os.environ.get("BENCH_SAMPLES", "200"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "6"))
REPETITIONS = int(os.environ.get("BENCH_REPETITIONS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
WORKERS = os.environ.get("BENCH_WORKERS", "2")
RESULTS = ROOT / "bench" / "results"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def serve(app: str, env: dict, cwd: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    # No worker recycling during a run: a new worker would restart the CPU counters.
    env = {**env, "PORT": str(port), "WORKERS": WORKERS, "ACCESS_LOG": "", "MAX_REQUESTS": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
                             "--chdir", str(cwd), app], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{app} did not start")


def worker_cpu_seconds(master: int) -> float:
    """utime + stime of the gunicorn master's children (its workers)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:  # ppid
            total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def run_wrk(port: int, paths: list[str], cookie: str = "", csrf: str = "") -> dict:
    env = {**os.environ, "KNOCK_PATHS": " ".join(paths), "KNOCK_COOKIE": cookie, "KNOCK_CSRF": csrf}
    out = subprocess.run(["wrk", "-t", str(min(2, CONNECTIONS)), "-c", str(CONNECTIONS), "-d", f"{SECONDS}s", "--latency",
                          "-s", str(ROOT / "bench" / "knock.lua"), f"http://127.0.0.1:{port}"],
                         env=env, capture_output=True, text=True, check=True).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    median = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[median.group(2)]
    return {"requests": requests, "non_2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1) if errors else "", "median_ms": float(median.group(1)) * scale}


def measure(master: int, port: int, paths: list[str], **kwargs) -> dict:
    before = worker_cpu_seconds(master)
    result = run_wrk(port, paths, **kwargs)
    result["cpu_ms_per_request"] = (worker_cpu_seconds(master) - before) * 1000 / max(1, result["requests"])
    result["rps"] = result["requests"] / SECONDS
    return result


def knock_paths(client: Session) -> list[str]:
    _, _, home = client.request("GET", "/")
    tokens = []
    for building in dict.fromkeys(re.findall(r'/buildings/(\d+)"', home)):
        _, _, page = client.request("GET", f"/buildings/{building}")
        tokens += re.findall(r'href="/h/([\w-]+)"', page)
    return [f"/h/{t}" for t in dict.fromkeys(tokens)]


def server_ms(headers) -> float:
    return float(re.search(r"dur=([\d.]+)", headers["Server-Timing"]).group(1))


def main() -> dict:
    if not shutil.which("wrk"):
        sys.exit("wrk is needed (Debian: apt-get install wrk)")
    workdir = Path(tempfile.mkdtemp(prefix="doorstep-bench-knock-"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}", "SECRET_KEY": "bench-secret",
           "CEILING_DB": str(workdir / "ceiling.db")}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["demo", "--households", str(HOUSEHOLDS), "--password", PASSWORD], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    app_proc, app_port = serve("wsgi:app", env, ROOT)
    ceiling_proc, ceiling_port = serve("ceiling:app", env, ROOT / "bench")
    floor_proc, floor_port = serve("floor:app", env, ROOT / "bench")
    rounds = []
    try:
        client = Session(app_port)
        csrf = client.login("volunteer", PASSWORD)
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        paths = knock_paths(client)
        # Warm up both (imports, caches, connections), outside the timed window.
        for i in range(40):
            status, headers, body = client.request("POST", paths[i % len(paths)], {
                "outcome": "not_home", "channel": "door", "request_id": uuid.uuid4().hex},
                headers={"HX-Request": "true", "X-CSRFToken": csrf})
            assert status == 200, (status, body[:300])
            Session(ceiling_port).request("POST", "/store", {"request_id": uuid.uuid4().hex})
        # Server time of single knocks, one at a time (Server-Timing), and the fragment as served.
        server = []
        for i in range(LATENCY_SAMPLES):
            _, headers, _ = client.request("POST", paths[i % len(paths)], {
                "outcome": "not_home", "channel": "door", "request_id": uuid.uuid4().hex},
                headers={"HX-Request": "true", "X-CSRFToken": csrf})
            server.append(server_ms(headers))
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", app_port, timeout=30)
        conn.request("POST", paths[0], body=f"outcome=not_home&channel=door&request_id={uuid.uuid4().hex}",
                     headers={"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true",
                              "X-CSRFToken": csrf, "Cookie": cookie, "Accept-Encoding": "gzip, br"})
        response = conn.getresponse()
        fragment_wire, encoding = len(response.read()), response.getheader("Content-Encoding")
        conn.close()
        # The floor app shares the database and secret key: the same login works there.
        for _ in range(40):
            status, _headers, body = Session(floor_port).request("POST", "/bench/floor", {}, headers={
                "X-CSRFToken": csrf, "Cookie": cookie})
            assert status == 200, (status, body[:300])
        # Interleaved: ceiling, floor, knock, knock, floor, ceiling … so drift in the machine's load
        # falls on all alike.
        for rep in range(REPETITIONS):
            order = ("ceiling", "floor", "knock")
            figures = {}
            for kind in order if rep % 2 == 0 else reversed(order):
                if kind == "ceiling":
                    figures[kind] = measure(ceiling_proc.pid, ceiling_port, ["/store"])
                elif kind == "floor":
                    figures[kind] = measure(floor_proc.pid, floor_port, ["/bench/floor"], cookie=cookie, csrf=csrf)
                else:
                    figures[kind] = measure(app_proc.pid, app_port, paths, cookie=cookie, csrf=csrf)
            rounds.append(figures)
    finally:
        for proc in (app_proc, ceiling_proc, floor_proc):
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    knock_cpu = statistics.median(r["knock"]["cpu_ms_per_request"] for r in rounds)
    ceiling_cpu = statistics.median(r["ceiling"]["cpu_ms_per_request"] for r in rounds)
    floor_cpu = statistics.median(r["floor"]["cpu_ms_per_request"] for r in rounds)
    result = {
        "households": HOUSEHOLDS, "workers": int(WORKERS), "seconds": SECONDS, "connections": CONNECTIONS,
        "rounds": rounds,
        "knock_cpu_ms": knock_cpu, "ceiling_cpu_ms": ceiling_cpu, "cpu_ratio": knock_cpu / ceiling_cpu,
        "floor_cpu_ms": floor_cpu, "floor_ratio": floor_cpu / ceiling_cpu,
        "server_median_ms": statistics.median(server), "server_p95_ms": statistics.quantiles(server, n=20)[18],
        "fragment_bytes_served": fragment_wire, "fragment_encoding": encoding,
        "failed_requests": sum(r[k]["non_2xx"] for r in rounds for k in r),
    }
    print(f"households in database         {HOUSEHOLDS}")
    for i, r in enumerate(rounds, 1):
        print(f"round {i}: knock {r['knock']['cpu_ms_per_request']:.2f} ms CPU/req ({r['knock']['rps']:.0f} req/s)"
              f"   floor {r['floor']['cpu_ms_per_request']:.2f} ms ({r['floor']['rps']:.0f} req/s)"
              f"   ceiling {r['ceiling']['cpu_ms_per_request']:.2f} ms CPU/req ({r['ceiling']['rps']:.0f} req/s)")
    print(f"knock worker CPU, median       {knock_cpu:.2f} ms   ceiling {ceiling_cpu:.2f} ms"
          f"   ratio {result['cpu_ratio']:.2f} (budget <= 2.00)")
    print(f"app floor (logged-in no-op POST) {floor_cpu:.2f} ms   {result['floor_ratio']:.2f}x the ceiling")
    print(f"knock server time, median      {result['server_median_ms']:.2f} ms (budget <= 10 ms)"
          f"   p95 {result['server_p95_ms']:.2f} ms")
    print(f"knock fragment as served       {fragment_wire} bytes {encoding} (budget <= 2048)")
    print(f"failed requests under wrk      {result['failed_requests']}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "knock.json").write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
