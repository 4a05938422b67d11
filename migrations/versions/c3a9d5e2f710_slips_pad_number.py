"""slips: a pad is numbered within its community (第 1 本, 第 2 本 … for each community)

Revision ID: c3a9d5e2f710
Revises: b7d3e91f4a20
Create Date: 2026-11-24 19:10:00

Pads were shown by their id, which runs across communities: a secretary saw 第 1 本, then 第 3 本.
Existing pads are numbered in the order they were made, per community.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c3a9d5e2f710'
down_revision = 'b7d3e91f4a20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('slip_pads') as batch_op:
        batch_op.add_column(sa.Column('number', sa.Integer(), nullable=True))
    op.execute("""UPDATE slip_pads SET number = (
                      SELECT count(*) FROM slip_pads AS earlier
                       WHERE earlier.community_id = slip_pads.community_id AND earlier.id <= slip_pads.id)""")
    with op.batch_alter_table('slip_pads') as batch_op:
        batch_op.alter_column('number', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint('uq_slip_pads_community_number', ['community_id', 'number'])


def downgrade():
    with op.batch_alter_table('slip_pads') as batch_op:
        batch_op.drop_constraint('uq_slip_pads_community_number', type_='unique')
        batch_op.drop_column('number')
