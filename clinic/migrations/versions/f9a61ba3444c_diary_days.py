"""diary days: the printed exercise diary brought back, one row per day of a plan (ticks per exercise, pain
before and after)

Revision ID: f9a61ba3444c
Revises: 06a951b15786
Create Date: 2026-11-30 05:47:33.883063

"""
from alembic import op
import sqlalchemy as sa

import clinic.models  # noqa: F401  custom column types (UTCDateTime) referenced below


# revision identifiers, used by Alembic.
revision = 'f9a61ba3444c'
down_revision = '06a951b15786'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('diary_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('ticks', sa.JSON(), nullable=False),
    sa.Column('pain_before', sa.Integer(), nullable=True),
    sa.Column('pain_after', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sa.String(length=254), nullable=False),
    sa.Column('recorded_at', clinic.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_diary_days_patient_id_patients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_diary_days_plan_id_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revision_id'], ['plan_revisions.id'], name=op.f('fk_diary_days_revision_id_plan_revisions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diary_days')),
    sa.UniqueConstraint('plan_id', 'day', name='uq_diary_days_plan_day')
    )
    with op.batch_alter_table('diary_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_diary_days_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_diary_days_plan_id'), ['plan_id'], unique=False)



def downgrade():
    with op.batch_alter_table('diary_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_diary_days_plan_id'))
        batch_op.drop_index(batch_op.f('ix_diary_days_patient_id'))

    op.drop_table('diary_days')
