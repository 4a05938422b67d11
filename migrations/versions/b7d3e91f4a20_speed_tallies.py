"""speed: campaign_tallies and grid_counts, kept by triggers

Revision ID: b7d3e91f4a20
Revises: 5651e6d6b9a4
Create Date: 2026-11-24 13:10:00

Counts are kept by the database in the transaction of the row that changes them, so the knock
stays one INSERT from the app and dashboards read a few hundred rows at most, whatever the size
of the district. The rule is coverage.py's: reached = a live visit with a reached outcome;
escalated = not reached and max_attempts or more live not_home visits.
"""
from alembic import op
import sqlalchemy as sa


revision = 'b7d3e91f4a20'
down_revision = '5651e6d6b9a4'
branch_labels = None
depends_on = None

REACHED = "('verified', 'vacant', 'moved_out')"

# Live visits of the same door in the same campaign, other than the row being written.
OTHERS = """SELECT count(*) AS n,
       coalesce(sum(CASE WHEN v.outcome IN {reached} THEN 1 ELSE 0 END), 0) AS r,
       coalesce(sum(CASE WHEN v.outcome = 'not_home' THEN 1 ELSE 0 END), 0) AS nh
  FROM visits v
 WHERE v.campaign_id = NEW.campaign_id AND v.household_id = NEW.household_id
   AND v.undone_at IS NULL AND v.id <> NEW.id""".format(reached=REACHED)

NEW_R = f"(CASE WHEN NEW.outcome IN {REACHED} THEN 1 ELSE 0 END)"
NEW_NH = "(CASE WHEN NEW.outcome = 'not_home' THEN 1 ELSE 0 END)"
MAX = "(SELECT max_attempts FROM campaigns WHERE id = NEW.campaign_id)"


def _esc(r, nh):
    return f"(CASE WHEN ({r}) = 0 AND ({nh}) >= {MAX} THEN 1 ELSE 0 END)"


# sign +1: NEW was added to the live visits; -1: NEW was taken away (undone).
def _deltas(sign: int) -> tuple[str, str, str]:
    if sign > 0:
        visited = "(CASE WHEN o.n = 0 THEN 1 ELSE 0 END)"
        reached = f"(CASE WHEN o.r = 0 AND {NEW_R} = 1 THEN 1 ELSE 0 END)"
        escalated = f"({_esc(f'o.r + {NEW_R}', f'o.nh + {NEW_NH}')} - {_esc('o.r', 'o.nh')})"
    else:
        visited = "(CASE WHEN o.n = 0 THEN -1 ELSE 0 END)"
        reached = f"(CASE WHEN o.r = 0 AND {NEW_R} = 1 THEN -1 ELSE 0 END)"
        escalated = f"({_esc('o.r', 'o.nh')} - {_esc(f'o.r + {NEW_R}', f'o.nh + {NEW_NH}')})"
    return visited, reached, escalated


def _sqlite_visit_trigger(name: str, event: str, when: str, sign: int) -> str:
    visited, reached, escalated = _deltas(sign)
    return f"""
CREATE TRIGGER {name} AFTER {event} ON visits
WHEN {when}
BEGIN
  INSERT OR IGNORE INTO campaign_tallies (campaign_id, grid_id, visited, reached, escalated)
    SELECT NEW.campaign_id, h.grid_id, 0, 0, 0 FROM households h WHERE h.id = NEW.household_id;
  UPDATE campaign_tallies
     SET visited = visited + (SELECT {visited} FROM ({OTHERS}) o),
         reached = reached + (SELECT {reached} FROM ({OTHERS}) o),
         escalated = escalated + (SELECT {escalated} FROM ({OTHERS}) o)
   WHERE campaign_id = NEW.campaign_id
     AND grid_id = (SELECT h.grid_id FROM households h WHERE h.id = NEW.household_id);
END"""


def _pg_visit_function(name: str, sign: int) -> str:
    visited, reached, escalated = _deltas(sign)
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE dv integer; dr integer; de integer; g integer;
BEGIN
  SELECT {visited}, {reached}, {escalated} INTO dv, dr, de FROM ({OTHERS}) o;
  SELECT h.grid_id INTO g FROM households h WHERE h.id = NEW.household_id;
  INSERT INTO campaign_tallies AS t (campaign_id, grid_id, visited, reached, escalated)
  VALUES (NEW.campaign_id, g, dv, dr, de)
  ON CONFLICT (campaign_id, grid_id) DO UPDATE
     SET visited = t.visited + dv, reached = t.reached + dr, escalated = t.escalated + de;
  RETURN NULL;
END $$"""


INSERTED = "NEW.campaign_id IS NOT NULL AND NEW.undone_at IS NULL"
UNDONE = "NEW.campaign_id IS NOT NULL AND OLD.undone_at IS NULL AND NEW.undone_at IS NOT NULL"

SQLITE = [
    _sqlite_visit_trigger("visits_tally_insert", "INSERT", INSERTED, +1),
    _sqlite_visit_trigger("visits_tally_undo", "UPDATE OF undone_at", UNDONE, -1),
    """CREATE TRIGGER households_count_insert AFTER INSERT ON households BEGIN
  INSERT OR IGNORE INTO grid_counts (grid_id, households) VALUES (NEW.grid_id, 0);
  UPDATE grid_counts SET households = households + 1 WHERE grid_id = NEW.grid_id;
END""",
    """CREATE TRIGGER households_count_delete AFTER DELETE ON households BEGIN
  UPDATE grid_counts SET households = households - 1 WHERE grid_id = OLD.grid_id;
END""",
    """CREATE TRIGGER households_count_move AFTER UPDATE OF grid_id ON households
WHEN OLD.grid_id <> NEW.grid_id BEGIN
  UPDATE grid_counts SET households = households - 1 WHERE grid_id = OLD.grid_id;
  INSERT OR IGNORE INTO grid_counts (grid_id, households) VALUES (NEW.grid_id, 0);
  UPDATE grid_counts SET households = households + 1 WHERE grid_id = NEW.grid_id;
END""",
]

POSTGRESQL = [
    _pg_visit_function("visits_tally_insert", +1),
    _pg_visit_function("visits_tally_undo", -1),
    f"CREATE TRIGGER visits_tally_insert AFTER INSERT ON visits FOR EACH ROW WHEN ({INSERTED}) "
    "EXECUTE FUNCTION visits_tally_insert()",
    f"CREATE TRIGGER visits_tally_undo AFTER UPDATE OF undone_at ON visits FOR EACH ROW WHEN ({UNDONE}) "
    "EXECUTE FUNCTION visits_tally_undo()",
    """CREATE FUNCTION households_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE grid_counts SET households = households - 1 WHERE grid_id = OLD.grid_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO grid_counts AS c (grid_id, households) VALUES (NEW.grid_id, 1)
    ON CONFLICT (grid_id) DO UPDATE SET households = c.households + 1;
  END IF;
  RETURN NULL;
END $$""",
    "CREATE TRIGGER households_count_insert AFTER INSERT OR DELETE ON households FOR EACH ROW "
    "EXECUTE FUNCTION households_count()",
    "CREATE TRIGGER households_count_move AFTER UPDATE OF grid_id ON households FOR EACH ROW "
    "WHEN (OLD.grid_id IS DISTINCT FROM NEW.grid_id) EXECUTE FUNCTION households_count()",
]

# The counts of rows already there (the same rule, in one statement each).
BACKFILL = [
    "INSERT INTO grid_counts (grid_id, households) SELECT grid_id, count(*) FROM households GROUP BY grid_id",
    f"""INSERT INTO campaign_tallies (campaign_id, grid_id, visited, reached, escalated)
SELECT d.campaign_id, d.grid_id, count(*),
       sum(CASE WHEN d.r > 0 THEN 1 ELSE 0 END),
       sum(CASE WHEN d.r = 0 AND d.nh >= d.max_attempts THEN 1 ELSE 0 END)
  FROM (SELECT v.campaign_id, h.grid_id, c.max_attempts,
               sum(CASE WHEN v.outcome IN {REACHED} THEN 1 ELSE 0 END) AS r,
               sum(CASE WHEN v.outcome = 'not_home' THEN 1 ELSE 0 END) AS nh
          FROM visits v JOIN households h ON h.id = v.household_id JOIN campaigns c ON c.id = v.campaign_id
         WHERE v.undone_at IS NULL
         GROUP BY v.campaign_id, v.household_id, h.grid_id, c.max_attempts) d
 GROUP BY d.campaign_id, d.grid_id""",
]


def upgrade():
    op.create_table('campaign_tallies',
                    sa.Column('campaign_id', sa.Integer(), nullable=False),
                    sa.Column('grid_id', sa.Integer(), nullable=False),
                    sa.Column('visited', sa.Integer(), server_default='0', nullable=False),
                    sa.Column('reached', sa.Integer(), server_default='0', nullable=False),
                    sa.Column('escalated', sa.Integer(), server_default='0', nullable=False),
                    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'],
                                            name=op.f('fk_campaign_tallies_campaign_id_campaigns')),
                    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_campaign_tallies_grid_id_grids')),
                    sa.PrimaryKeyConstraint('campaign_id', 'grid_id', name=op.f('pk_campaign_tallies')))
    op.create_table('grid_counts',
                    sa.Column('grid_id', sa.Integer(), nullable=False),
                    sa.Column('households', sa.Integer(), server_default='0', nullable=False),
                    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_grid_counts_grid_id_grids')),
                    sa.PrimaryKeyConstraint('grid_id', name=op.f('pk_grid_counts')))
    for statement in BACKFILL:
        op.execute(statement)
    for statement in (SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for name in ("visits_tally_insert", "visits_tally_undo", "households_count_insert",
                     "households_count_delete", "households_count_move"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS visits_tally_insert ON visits")
        op.execute("DROP TRIGGER IF EXISTS visits_tally_undo ON visits")
        op.execute("DROP TRIGGER IF EXISTS households_count_insert ON households")
        op.execute("DROP TRIGGER IF EXISTS households_count_move ON households")
        for name in ("visits_tally_insert", "visits_tally_undo", "households_count"):
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_table('grid_counts')
    op.drop_table('campaign_tallies')
