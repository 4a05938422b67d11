"""slips: a pad keeps the request id of the form that made it (fix-robust)

Revision ID: d4f8a1c2e9b7
Revises: c3a9d5e2f710
Create Date: 2026-11-24 22:05:00

A replay of the new-pad form answers with the pad the first post made (its print page), found by this
id. Pads made before have none.
"""
from alembic import op
import sqlalchemy as sa


revision = 'd4f8a1c2e9b7'
down_revision = 'c3a9d5e2f710'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('slip_pads') as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_slip_pads_request_id', ['request_id'])


def downgrade():
    with op.batch_alter_table('slip_pads') as batch_op:
        batch_op.drop_constraint('uq_slip_pads_request_id', type_='unique')
        batch_op.drop_column('request_id')
