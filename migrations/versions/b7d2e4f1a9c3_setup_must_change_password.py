"""Setup: users log in with a one-time code and must then choose their own password

Revision ID: b7d2e4f1a9c3
Revises: b7e1c0ff1e12
Create Date: 2026-11-24 13:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = "b7d2e4f1a9c3"
down_revision = 'b7e1c0ff1e12'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("must_change_password")
