"""login throttling per client and remembered device; the patient search on the login session

Revision ID: c3d5e7f9a1b2
Revises: c29a7e0d5b11
Create Date: 2026-11-30 02:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3d5e7f9a1b2'
down_revision = 'c29a7e0d5b11'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('device', sa.String(length=64), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_login_failures_client'), ['client'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_device'), ['device'], unique=False)
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        # The server defaults only filled the rows already there; the model supplies the value from now on.
        batch_op.alter_column('client', server_default=None)
        batch_op.alter_column('device', server_default=None)

    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_column('search')

    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failures_device'))
        batch_op.drop_index(batch_op.f('ix_login_failures_client'))
        batch_op.drop_column('device')
        batch_op.drop_column('client')
