"""Knock benchmark: median server time of a knock, and knock throughput against a bare Flask
hello-world served the same way (gunicorn, 2 workers, SQLite), measured in the same run.

Budgets (DESIGN.md): median server time <= 10 ms; knock throughput >= half of hello's.
Run with `make bench`. Prints medians and ratios; it asserts nothing.
"""
from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.httpclient import Session, free_port  # noqa: E402
PASSWORD = "bench-password-1"
HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", "3000"))
LATENCY_SAMPLES = int(os.environ.get("BENCH_SAMPLES", "300"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))


def serve(app: str, env: dict, cwd: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", app],
                            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{app} did not start")


def knock_tokens(port: int) -> tuple[Session, str, list[str]]:
    client = Session(port)
    csrf = client.login("volunteer", PASSWORD)
    _, _, home = client.request("GET", "/")
    tokens = []
    for building in dict.fromkeys(re.findall(r'/buildings/(\d+)"', home)):
        _, _, page = client.request("GET", f"/buildings/{building}")
        tokens += re.findall(r'href="/h/([\w-]+)"', page)
    return client, csrf, tokens


def knock(client: Session, csrf: str, token: str, request_id: str):
    return client.request("POST", f"/h/{token}", {"outcome": "not_home", "channel": "door",
                                                  "request_id": request_id},
                          headers={"HX-Request": "true", "X-CSRFToken": csrf})


def server_ms(headers) -> float:
    return float(re.search(r"dur=([\d.]+)", headers["Server-Timing"]).group(1))


def _throughput_worker(args) -> int:
    kind, port, worker, seconds = args
    done, deadline = 0, time.perf_counter() + seconds
    if kind == "hello":
        while time.perf_counter() < deadline:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/")
            conn.getresponse().read()
            conn.close()
            done += 1
        return done
    client, csrf, tokens = knock_tokens(port)
    while time.perf_counter() < deadline:
        status, _, _ = knock(client, csrf, tokens[done % len(tokens)], f"tp-{worker}-{done}-{time.time_ns()}")
        assert status == 200, status
        done += 1
    return done


def throughput(kind: str, port: int) -> float:
    with ProcessPoolExecutor(CLIENTS) as pool:
        counts = list(pool.map(_throughput_worker, [(kind, port, w, SECONDS) for w in range(CLIENTS)]))
    return sum(counts) / SECONDS


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="doorstep-bench-"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}", "SECRET_KEY": "bench-secret"}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["demo", "--households", str(HOUSEHOLDS), "--password", PASSWORD], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    app_proc, app_port = serve("wsgi:app", env, ROOT)
    hello_proc, hello_port = serve("hello:app", env, ROOT / "bench")
    try:
        client, csrf, tokens = knock_tokens(app_port)
        for i in range(20):  # warm up both workers
            knock(client, csrf, tokens[i % len(tokens)], f"warm-{i}-{time.time_ns()}")
        server, wall = [], []
        for i in range(LATENCY_SAMPLES):
            started = time.perf_counter()
            _, headers, body = knock(client, csrf, tokens[i % len(tokens)], f"lat-{i}-{time.time_ns()}")
            wall.append((time.perf_counter() - started) * 1000)
            server.append(server_ms(headers))
        size = len(body.encode())
        hello_rps = throughput("hello", hello_port)
        knock_rps = throughput("knock", app_port)
    finally:
        for proc in (app_proc, hello_proc):
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
    print(f"households in database        {HOUSEHOLDS}")
    print(f"knock server time, median     {statistics.median(server):.2f} ms   (budget <= 10 ms)")
    print(f"knock server time, p95        {statistics.quantiles(server, n=20)[18]:.2f} ms")
    print(f"knock round trip, median      {statistics.median(wall):.2f} ms  (loopback)")
    print(f"knock fragment size           {size} bytes (budget <= 2048, uncompressed)")
    print(f"hello throughput              {hello_rps:.0f} req/s  ({CLIENTS} clients, {SECONDS:.0f} s, 2 workers)")
    print(f"knock throughput              {knock_rps:.0f} req/s")
    print(f"knock / hello                 {knock_rps / hello_rps:.2f}  (budget >= 0.50)")


if __name__ == "__main__":
    main()
