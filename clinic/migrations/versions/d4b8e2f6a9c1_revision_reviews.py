"""revision reviews: "Reviewed — still correct" for an approved revision held by a protocol change

A therapist who checked an approved revision against the protocol as it is now records it here (who, when, an
optional note, and the protocol version and file hash it was checked against). The revision row is never
changed (CS-09). No existing data needs rows: every held revision stays held until a therapist reviews it.

Revision ID: d4b8e2f6a9c1
Revises: ca559938d643
Create Date: 2026-11-30 05:30:00

"""
from alembic import op
import sqlalchemy as sa

import clinic.models  # noqa: F401  custom column types (UTCDateTime) referenced below


# revision identifiers, used by Alembic.
revision = 'd4b8e2f6a9c1'
down_revision = 'ca559938d643'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('revision_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('protocol_version', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=80), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('by', sa.String(length=254), nullable=False),
    sa.Column('by_name', sa.String(length=200), nullable=False),
    sa.Column('at', clinic.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_revision_reviews_patient_id_patients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_revision_reviews_plan_id_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revision_id'], ['plan_revisions.id'], name=op.f('fk_revision_reviews_revision_id_plan_revisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revision_reviews'))
    )
    with op.batch_alter_table('revision_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revision_reviews_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revision_reviews_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revision_reviews_revision_id'), ['revision_id'], unique=False)


def downgrade():
    with op.batch_alter_table('revision_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revision_reviews_revision_id'))
        batch_op.drop_index(batch_op.f('ix_revision_reviews_plan_id'))
        batch_op.drop_index(batch_op.f('ix_revision_reviews_patient_id'))
    op.drop_table('revision_reviews')
