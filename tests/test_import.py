"""Importing a registry file: all of it, or (with any bad line) none of it, with line numbers."""
from sqlalchemy import func, select

from tests.test_cli import empty_app  # noqa: F401  (fixture)

HEADER = "grid,building,kind,entrance,floor,room,address,status,name,phone,id_number,category,care_tags\n"
GOOD = HEADER + (
    "第一网格,和平里5号楼,walkup,1,3,301,和平里5号1单元301,occupied,赵和平,13800138000,11010519491231002X,local_permanent,elderly_alone\n"
    "第一网格,和平里5号楼,walkup,1,3,301,和平里5号1单元301,occupied,赵小明,,,local_permanent,\n"
    "第二网格,和平里平房,bungalow,1,1,7,和平里7号,vacant,,,,,\n"
)


def _count(app, model):
    from webapp.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_import_a_registry_file(empty_app, tmp_path):  # noqa: F811
    from webapp.models import Building, CareTag, Household, Resident

    runner = empty_app.test_cli_runner()
    runner.invoke(args=["demo", "--households", "20", "--password", "pw-1"])
    before = _count(empty_app, Household)
    path = tmp_path / "registry.csv"
    path.write_text("\ufeff" + GOOD, encoding="utf-8")
    result = runner.invoke(args=["import", str(path), "--community", "长庚社区"])
    assert result.exit_code == 0, result.output
    assert "2 new households and 2 residents" in result.output
    assert _count(empty_app, Household) == before + 2
    assert _count(empty_app, CareTag) >= 1
    again = runner.invoke(args=["import", str(path), "--community", "长庚社区"])
    assert "0 new households and 0 residents" in again.output  # importing twice adds nothing
    from webapp.extensions import db

    with empty_app.app_context():
        building = db.session.scalar(select(Building).where(Building.name == "和平里5号楼"))
        assert building.floors == 3 and building.kind == "walkup"
        assert db.session.scalar(select(func.count()).select_from(Resident).where(Resident.name == "赵和平")) == 1


def test_a_bad_line_imports_nothing_and_says_where(empty_app, tmp_path):  # noqa: F811
    from webapp.models import Household, Resident

    runner = empty_app.test_cli_runner()
    runner.invoke(args=["demo", "--households", "20", "--password", "pw-1"])
    households, residents = _count(empty_app, Household), _count(empty_app, Resident)
    bad = GOOD + "第一网格,和平里5号楼,castle,1,x,302,和平里5号1单元302,haunted,钱某,call me,110105194912310021,alien,vip\n"
    path = tmp_path / "bad.csv"
    path.write_text(bad, encoding="utf-8")
    result = runner.invoke(args=["import", str(path), "--community", "长庚社区"])
    assert result.exit_code != 0
    for message in ("line 5: kind", "line 5: floor", "line 5: status", "line 5: phone", "line 5: id_number",
                    "line 5: category", "line 5: care_tags", "nothing was imported"):
        assert message in result.output, message
    assert (_count(empty_app, Household), _count(empty_app, Resident)) == (households, residents)


def test_missing_columns_are_reported(empty_app, tmp_path):  # noqa: F811
    runner = empty_app.test_cli_runner()
    runner.invoke(args=["demo", "--households", "20", "--password", "pw-1"])
    path = tmp_path / "short.csv"
    path.write_text("building,room\n1号楼,101\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(path), "--community", "长庚社区"])
    assert result.exit_code != 0 and "missing columns" in result.output
