"""Write bench/RESULTS.md from the figures the benches left in bench/results/*.json: the machine,
the date, and every figure beside its budget (DESIGN.md). `make bench` runs it last."""
from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
OUT = ROOT / "bench" / "RESULTS.md"


def _load(name: str):
    path = RESULTS / f"{name}.json"
    return (json.loads(path.read_text()), datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)) if path.exists() \
        else (None, None)


def _verdict(value: float, budget: float | None, higher_is_better: bool = False) -> str:
    if budget is None:
        return ""
    ok = value >= budget if higher_is_better else value <= budget
    return "within" if ok else "**over**"


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0)
    try:
        postgres = subprocess.run(["pg_ctl", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        postgres = "not installed"
    try:
        chromium = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        chromium = "not installed"
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores; memory {memory} MB; {platform.platform()}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {postgres}, {chromium}",
        f"- Load average when this page was written: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
        "(the machine is shared: wall-clock figures grow with the load; the CPU figures much less)",
    ]


def knock_section() -> list[str]:
    data, when = _load("knock")
    if not data:
        return ["## Knock against the stack's ceiling", "", "Not run yet (`python bench/knock.py`).", ""]
    lines = ["## Knock against the stack's ceiling (`bench/knock.py`)", "",
             f"Measured {when:%Y-%m-%d %H:%M} UTC. Same gunicorn (gunicorn.conf.py: gthread, keep-alive, "
             f"{data['workers']} workers), SQLite (WAL, synchronous=NORMAL), wrk with {data['connections']} "
             f"connections for {data['seconds']} s a round, rounds interleaved; worker CPU from /proc "
             f"(utime+stime of the workers) over the requests completed. Ceiling: a bare Flask route storing "
             f"one row (bench/ceiling.py). Floor: this app with a logged-in, CSRF-checked POST that does "
             f"nothing (bench/floor.py), what every request pays before any work. "
             f"{data['households']} households in the database.", "",
             "| round | knock CPU / request | knock req/s | floor CPU / request | floor req/s "
             "| ceiling CPU / request | ceiling req/s |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for i, r in enumerate(data["rounds"], 1):
        floor = r.get("floor", {"cpu_ms_per_request": float("nan"), "rps": float("nan")})
        lines.append(f"| {i} | {r['knock']['cpu_ms_per_request']:.2f} ms | {r['knock']['rps']:.0f} | "
                     f"{floor['cpu_ms_per_request']:.2f} ms | {floor['rps']:.0f} | "
                     f"{r['ceiling']['cpu_ms_per_request']:.2f} ms | {r['ceiling']['rps']:.0f} |")
    lines += ["", "| figure | measured | budget | |", "| --- | --- | --- | --- |",
              f"| knock worker CPU ÷ ceiling's (medians) | {data['cpu_ratio']:.2f}× ({data['knock_cpu_ms']:.2f} ms vs "
              f"{data['ceiling_cpu_ms']:.2f} ms) | ≤ 2× | {_verdict(data['cpu_ratio'], 2)} |",
              *([f"| the app's floor ÷ ceiling's (a logged-in POST doing nothing) | {data['floor_ratio']:.2f}× "
                 f"({data['floor_cpu_ms']:.2f} ms) | — | |",
                 f"| the knock's own work (knock − floor) | {data['knock_cpu_ms'] - data['floor_cpu_ms']:.2f} ms | — | |"]
                if "floor_cpu_ms" in data else []),
              f"| knock server time, median (one at a time) | {data['server_median_ms']:.2f} ms "
              f"(p95 {data['server_p95_ms']:.2f}) | ≤ 10 ms | {_verdict(data['server_median_ms'], 10)} |",
              f"| knock fragment as served ({data['fragment_encoding']}) | {data['fragment_bytes_served']} B | "
              f"≤ 2048 B | {_verdict(data['fragment_bytes_served'], 2048)} |",
              f"| failed requests under load | {data['failed_requests']} | 0 | "
              f"{_verdict(data['failed_requests'], 0)} |", ""]
    return lines


def phone_section() -> list[str]:
    data, when = _load("phone")
    if not data:
        return ["## Phone timings", "", "Not run yet (`python bench/phone.py`).", ""]
    c = data["conditions"]
    budgets = {"card cold": 2500, "card warm": 1000, "knock confirmed": round(1.3 * c["rtt_ms"]), "walk page": None}
    lines = ["## Phone timings (`bench/phone.py`)", "",
             f"Measured {when:%Y-%m-%d %H:%M} UTC. Chromium via Playwright, 360×640, CDP throttling: "
             f"{c['cpu_slowdown']}× CPU, {c['rtt_ms']} ms round trip, {c['kbit_s']} kbit/s each way; against "
             f"gunicorn as `make run` serves; median of {c['repeats']}; load average "
             f"{', '.join(f'{x:.1f}' for x in c['load_average'])}. Times are the page's own (navigation start, "
             "or the tap, to usable / confirmed on screen); bytes are on the wire.", "",
             "| journey | JavaScript on | JavaScript off | budget | bytes on / off |",
             "| --- | --- | --- | --- | --- |"]
    for name, budget in budgets.items():
        on, off = data["javascript on"][name], data["javascript off"][name]
        verdict = "" if budget is None else f"≤ {budget} ms: {_verdict(on['median_ms'], budget)} / " \
                                            f"{_verdict(off['median_ms'], budget)}"
        lines.append(f"| {name} | {on['median_ms']:.0f} ms | {off['median_ms']:.0f} ms | {verdict or '—'} | "
                     f"{on['bytes']:.0f} / {off['bytes']:.0f} |")
    lines.append("")
    return lines


def scale_section() -> list[str]:
    data, when = _load("scale")
    if not data:
        return ["## A real district", "", "Not run yet (`python bench/scale.py`).", ""]
    from bench.scale import BUDGETS

    lines = ["## A real district (`bench/scale.py`)", "",
             f"Last written {when:%Y-%m-%d %H:%M} UTC. Districts built in bulk with the same shape at each size "
             "(≈3,000 households a community, 4.1 grids a community, 5 communities a street; a campaign in force "
             "in each, half its doors knocked), ANALYZE before timing. Whole requests in-process through the app "
             "(wall p50/p95, and the app's own CPU p50), except the sticker lookup (the scoped token query). "
             "PostgreSQL in a throwaway local server (fsync off) on the same machine.", ""]
    runs = sorted(data.values(), key=lambda r: (r["database"], r["households"]))
    names = list(dict.fromkeys(name for r in runs for name in r["figures"]))
    lines += ["### How each grows with the district", "",
              "p95 wall time, and in brackets the app's own CPU p50, at each size. Wall time on this shared "
              "machine includes waiting for a core (and, on PostgreSQL, for the server process to be scheduled "
              "once per statement), so the CPU column is the steadier one for growth.", "",
              "| screen | budget | " + " | ".join(f"{r['database']} {r['households']:,}" for r in runs) + " |",
              "| --- | --- | " + " | ".join("---" for _ in runs) + " |"]
    for name in names:
        budget, which = BUDGETS[name]
        cells = [f"{r['figures'][name]['p95']:.0f} ({r['figures'][name]['cpu_p50']:.1f})" if name in r["figures"]
                 else "—" for r in runs]
        lines.append(f"| {name} | {f'{which} ≤ {budget} ms' if budget else '—'} | " + " | ".join(cells) + " |")
    lines.append("")
    for key in sorted(data, key=lambda k: (data[k]["database"], data[k]["households"])):
        run = data[key]
        lines += [f"### {run['database']}: {run['households']:,} households, {run['residents']:,} residents, "
                  f"{run['grids']} grids, {run['communities']} communities, {run['streets']} streets", "",
                  f"Built in {run['build_seconds']} s, ANALYZE {run['analyze_seconds']} s; load average "
                  f"{', '.join(f'{x:.1f}' for x in run.get('load_average', []))}.", "",
                  "| screen | p50 | p95 | app CPU p50 | budget | |", "| --- | --- | --- | --- | --- | --- |"]
        for name, figure in run["figures"].items():
            budget, which = BUDGETS[name]
            value = figure["p95"] if which == "p95" else figure["p50"]
            lines.append(f"| {name} | {figure['p50']:.1f} ms | {figure['p95']:.1f} ms | {figure['cpu_p50']:.1f} ms | "
                         f"{f'{which} ≤ {budget} ms' if budget else '—'} | {_verdict(value, budget)} |")
        lines.append("")
    return lines


def import_section() -> list[str]:
    data, when = _load("import")
    if not data:
        return ["## Registry import", "", "Not run yet (`python bench/import.py`).", ""]
    import importlib

    registry_bench = importlib.import_module("bench.import")  # "import" is a keyword: no from-import
    TABLE_HEAD, table_row, budget = registry_bench.TABLE_HEAD, registry_bench.table_row, registry_bench.BUDGET_SECONDS
    return ["## Registry import (`bench/import.py`)", "",
            f"Measured {when:%Y-%m-%d %H:%M} UTC. Budget: {data[0]['rows']:,} rows checked and applied ≤ {budget:.0f} s. "
            "A secretary of an empty community uploads a CSV (households of two residents) through "
            "`/registry/import` (read + check the whole file, the preview), then confirms (the file is checked "
            "again against the community as it is now, then applied in one transaction: SQLite executemany, "
            "PostgreSQL COPY, ids reserved up front), then uploads the same file again (every row unchanged). "
            "Whole HTTP requests in-process (Flask test client); \"app CPU\" is this process's CPU time for "
            "upload + confirm (the PostgreSQL server's own work is not in it).", "",
            *TABLE_HEAD, *(table_row(f) for f in data), "",
            *(f"- {f['database']}: {f['total_s']:.1f} s against ≤ {budget:.0f} s: {_verdict(f['total_s'], budget)}"
              for f in data), ""]


MINE = ("Machine", "Knock against the stack's ceiling", "Phone timings", "A real district", "Registry import")


def other_sections() -> list[str]:
    """Sections other benches keep in RESULTS.md by hand (e.g. joining by invite): kept as they are."""
    if not OUT.exists():
        return []
    kept = []
    for section in OUT.read_text().split("\n## ")[1:]:
        if not section.startswith(MINE):
            kept += ["## " + section.rstrip(), ""]
    return kept


def main() -> None:
    import sys

    sys.path.insert(0, str(ROOT))
    text = ["# Benchmark results", "",
            f"Written by `make bench` (bench/report.py) on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.", "",
            "## Machine", "", *machine(), "",
            "Budgets are DESIGN.md's. Sizes as served (first page ≤ 45 KB, knock fragment ≤ 2 KB, walk page "
            "≤ 12 KB) and statement counts (card ≤ 6) are asserted by tests/speed; times only here.", "",
            *knock_section(), *phone_section(), *scale_section(), *import_section(),
            *other_sections()]
    OUT.write_text("\n".join(text).rstrip() + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
