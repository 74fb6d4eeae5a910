"""measures and corrections: sessions and measures can be withdrawn (with a reason); every correction or
withdrawal keeps the values before and after (WF-05)

Revision ID: 06a951b15786
Revises: d3c8f1a6b524
Create Date: 2026-11-30 05:20:13.646285

"""
from alembic import op
import sqlalchemy as sa

import clinic.models  # noqa: F401  custom column types (UTCDateTime) referenced below


# revision identifiers, used by Alembic.
revision = '06a951b15786'
down_revision = 'd3c8f1a6b524'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('record_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('outcome_id', sa.Integer(), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('old_values', sa.JSON(), nullable=False),
    sa.Column('new_values', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('by', sa.String(length=254), nullable=False),
    sa.Column('by_name', sa.String(length=200), nullable=False),
    sa.Column('at', clinic.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['outcome_id'], ['outcome_measures.id'], name=op.f('fk_record_corrections_outcome_id_outcome_measures'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_record_corrections_patient_id_patients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['treatment_sessions.id'], name=op.f('fk_record_corrections_session_id_treatment_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_corrections'))
    )
    with op.batch_alter_table('record_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_corrections_outcome_id'), ['outcome_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_corrections_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_corrections_session_id'), ['session_id'], unique=False)

    with op.batch_alter_table('outcome_measures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', clinic.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_reason', sa.Text(), server_default='', nullable=False))

    with op.batch_alter_table('treatment_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', clinic.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_reason', sa.Text(), server_default='', nullable=False))



def downgrade():
    with op.batch_alter_table('treatment_sessions', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_reason')
        batch_op.drop_column('withdrawn_at')

    with op.batch_alter_table('outcome_measures', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_reason')
        batch_op.drop_column('withdrawn_at')

    with op.batch_alter_table('record_corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_corrections_session_id'))
        batch_op.drop_index(batch_op.f('ix_record_corrections_patient_id'))
        batch_op.drop_index(batch_op.f('ix_record_corrections_outcome_id'))

    op.drop_table('record_corrections')
