"""Registry import budget (DESIGN.md): 50,000 rows checked and applied within 20 s.

For each database (a fresh SQLite file, and a throwaway PostgreSQL when its binaries are installed),
a secretary of an empty community uploads a CSV of BENCH_IMPORT_ROWS rows (default 50,000: 25,000
households of two residents) through the import page, confirms it, and then uploads the same file
again (which must change nothing). Writes bench/results/import.json for bench/report.py. Times are whole HTTP requests through the app (Flask's test
client): the upload reads and checks the whole file; the confirm checks it again and applies it in
one transaction. Prints rows per second, the app's own CPU time (this process; the PostgreSQL server's
work is not in it) and the machine's load average; asserts nothing but the counts.

    .venv/bin/python bench/import.py            # both databases
    BENCH_IMPORT_ROWS=10000 .venv/bin/python bench/import.py sqlite
"""
from __future__ import annotations

import io
import json
import os
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", "bench-secret")
RESULTS = ROOT / "bench" / "results"
BUDGET_SECONDS = 20  # DESIGN.md: 50,000 rows checked and applied
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "50000"))
PASSWORD = "bench-import-pass-1"
HEADER = "网格,楼栋,类型,单元,楼层,门牌,地址,状态,姓名,电话,身份证号,类别,关怀\n"
SURNAMES = "陈李黄张梁刘林何王吴郑罗杨周谢冯邓曾许蔡郭钟叶苏卢朱潘彭胡徐赵孙马高"
GIVEN = "建华 伟强 丽娟 秀英 志明 国华 美玲 俊杰 晓燕 嘉怡 子轩 浩然 淑芬 桂英".split()
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(n: int) -> str:
    body = f"4401{n:010d}{n % 1000:03d}"  # unique per row; only the check character must be right
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS)) % 11]


def registry_csv(rows: int) -> bytes:
    """Walk-ups of 3 entrances × 6 floors × 2 doors, two residents a door (some with an ID number)."""
    lines = [HEADER]
    for n in range(rows):
        door = n // 2
        block, rest = divmod(door, 36)
        entrance, rest = divmod(rest, 12)
        floor, number = divmod(rest, 2)
        room = f"{floor + 1}0{number + 1}"
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n // 7) % len(GIVEN)] + ("" if n % 2 else "甲")
        idn = id_number(n) if n % 3 == 0 else ""
        care = "独居老人" if n % 41 == 0 else ""
        lines.append(f"第{block // 50 + 1}网格,基准路{block + 1}号楼,步梯楼,{entrance + 1},{floor + 1},{room},"
                     f"基准路{block + 1}号{entrance + 1}单元{room},自住,{name},139{n:08d},{idn},本地常住,{care}\n")
    return "".join(lines).encode("utf-8")


def run(url: str, label: str, data: bytes) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from webapp import create_app
    from webapp.extensions import db
    from webapp.models import Household, Resident, Street
    from webapp.setup.people import create_person
    from webapp.setup.services import save_community

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "IMPORT_FOLDER": tempfile.mkdtemp(prefix="doorstep-imports-")})
    with app.test_request_context():
        upgrade(directory=str(ROOT / "migrations"))
        street = Street(name="基准街道")
        db.session.add(street)
        db.session.flush()
        community = save_community(None, street, "基准社区", "020-0000 0000")
        create_person("bench-secretary", "基准书记", None, "secretary", community_id=community.id, password=PASSWORD)
        db.session.commit()

    client = app.test_client()
    token = re.search(r'csrf-token" content="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"username": "bench-secretary", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 303

    def form(**extra):
        return {"csrf_token": token, "request_id": uuid.uuid4().hex, **extra}

    started, cpu = time.perf_counter(), time.process_time()
    preview = client.post("/registry/import", data=form(file=(io.BytesIO(data), "bench.csv")),
                          content_type="multipart/form-data")
    checked = time.perf_counter() - started
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200, page[:2000]
    confirm = re.search(r'action="(/registry/import/[A-Za-z0-9_-]+/confirm)"', page).group(1)
    begin = time.perf_counter()
    done = client.post(confirm, data=form())
    applied = time.perf_counter() - begin
    assert done.status_code == 303
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu
    with app.app_context():
        households = db.session.scalar(select(func.count()).select_from(Household))
        residents = db.session.scalar(select(func.count()).select_from(Resident))
    assert residents == ROWS, residents
    begin = time.perf_counter()
    again = client.post("/registry/import", data=form(file=(io.BytesIO(data), "bench.csv")),
                        content_type="multipart/form-data")
    recheck = time.perf_counter() - begin
    assert 'data-count="residents-unchanged">%d<' % ROWS in again.get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()
    figures = {"database": label, "rows": ROWS, "households": households, "upload_s": checked, "confirm_s": applied,
               "total_s": total, "cpu_s": cpu, "again_s": recheck, "load": os.getloadavg()[0]}
    print(table_row(figures), flush=True)
    return figures


TABLE_HEAD = ("| database | file | upload: read + check | confirm: check + apply | total (wall) | app CPU "
              "| same file again | load avg |", "| --- | --- | --- | --- | --- | --- | --- | --- |")


def table_row(f: dict) -> str:
    """One line of the table bench/report.py writes too."""
    return (f"| {f['database']} | {f['rows']:,} rows ({f['households']:,} households) | {f['upload_s']:.1f} s | "
            f"{f['confirm_s']:.1f} s | **{f['total_s']:.1f} s** ({f['rows'] / f['total_s']:,.0f} rows/s) | "
            f"{f['cpu_s']:.1f} s | {f['again_s']:.1f} s | {f['load']:.1f} |")


def main() -> None:
    wanted = set(sys.argv[1:]) or {"sqlite", "postgresql"}
    data = registry_csv(ROWS)
    print(f"CSV of {ROWS:,} rows: {len(data) / 1e6:.1f} MB")
    print("\n".join(TABLE_HEAD))
    measured = []
    try:
        _run_wanted(wanted, data, measured)
    finally:
        if measured:
            RESULTS.mkdir(exist_ok=True)
            (RESULTS / "import.json").write_text(json.dumps(measured, indent=1))


def _run_wanted(wanted: set, data: bytes, measured: list) -> None:
    if "sqlite" in wanted:
        measured.append(run(f"sqlite:///{Path(tempfile.mkdtemp(prefix='doorstep-import-')) / 'bench.db'}", "SQLite", data))
    if "postgresql" in wanted:
        from tests.pg import ThrowawayPostgres, find_pg_bin

        bin_dir = find_pg_bin()
        if bin_dir is None:
            print("| PostgreSQL | (server binaries not installed) | | | | | | |")
            return
        server = ThrowawayPostgres(bin_dir)
        server.start()
        try:
            server.admin_execute("CREATE DATABASE doorstep_import_bench")
            measured.append(run(server.url("doorstep_import_bench"), "PostgreSQL", data))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
