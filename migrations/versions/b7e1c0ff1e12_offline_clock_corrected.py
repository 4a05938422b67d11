"""offline branch: clock_corrected on visits and patrol scans (a phone clock that was wrong)

Revision ID: b7e1c0ff1e12
Revises: e5c1a7d2b9f0
Create Date: 2026-11-24 13:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7e1c0ff1e12'
down_revision = 'e5c1a7d2b9f0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clock_corrected', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('patrol_scans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clock_corrected', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('patrol_scans', schema=None) as batch_op:
        batch_op.drop_column('clock_corrected')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_column('clock_corrected')
