"""security: users.session_version, so every session of a user can be ended at once

Revision ID: e5c1a7d2b9f0
Revises: a19580e8427f
Create Date: 2026-11-24 12:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5c1a7d2b9f0'
down_revision = 'a19580e8427f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
