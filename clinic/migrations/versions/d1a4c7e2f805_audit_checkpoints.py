"""audit: checkpoints for an incremental verify, and an index on the user column for recent activity

Revision ID: d1a4c7e2f805
Revises: c5e7a1d2b9f4
Create Date: 2026-11-30 05:45:00

"""
from alembic import op
import sqlalchemy as sa

import clinic.models  # noqa: F401  custom column types (UTCDateTime) referenced below


# revision identifiers, used by Alembic.
revision = 'd1a4c7e2f805'
down_revision = 'c5e7a1d2b9f4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'audit_checkpoints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('row_id', sa.Integer(), nullable=False),
        sa.Column('row_hash', sa.String(length=64), nullable=False),
        sa.Column('at', clinic.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('mac', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoints')),
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_user_id_id', ['user_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_user_id_id')
    op.drop_table('audit_checkpoints')
