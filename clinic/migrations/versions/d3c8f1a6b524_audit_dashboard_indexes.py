"""audit: the dashboard's indexes on the user column

The dashboard now shows the user's recent activity about no patient and, under Today, the patients they saw
in the last two weeks. An index on (user_id, id) made the first walk past every patient view of a busy
therapist; these two read only the rows each list shows.

Revision ID: d3c8f1a6b524
Revises: d2b7e4a9c316
Create Date: 2026-11-30 06:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd3c8f1a6b524'
down_revision = 'd2b7e4a9c316'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_user_id_id')
        batch_op.create_index('ix_audit_events_user_patient_id', ['user_id', 'patient_ref', 'id'], unique=False)
        batch_op.create_index('ix_audit_events_user_at', ['user_id', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_user_at')
        batch_op.drop_index('ix_audit_events_user_patient_id')
        batch_op.create_index('ix_audit_events_user_id_id', ['user_id', 'id'], unique=False)
