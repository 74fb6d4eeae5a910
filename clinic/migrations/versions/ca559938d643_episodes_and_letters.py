"""episodes and letters: an episode of care per condition, closed by a discharge; progress and discharge
letters to the referring doctor (draft, then final and never changed)

Revision ID: ca559938d643
Revises: f9a61ba3444c
Create Date: 2026-11-30 06:00:49.642893

"""
from alembic import op
import sqlalchemy as sa

import clinic.models  # noqa: F401  custom column types (UTCDateTime) referenced below


# revision identifiers, used by Alembic.
revision = 'ca559938d643'
down_revision = 'f9a61ba3444c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('episodes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('protocol_id', sa.String(length=40), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('closed_by', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_episodes_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_episodes'))
    )
    with op.batch_alter_table('episodes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_episodes_patient_id'), ['patient_id'], unique=False)

    op.create_table('letters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('recipient', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('signed_name', sa.String(length=200), nullable=False),
    sa.Column('qualification', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.Column('created_at', clinic.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('final_by', sa.String(length=254), nullable=False),
    sa.Column('final_at', clinic.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], name=op.f('fk_letters_episode_id_episodes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_letters_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letters'))
    )
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letters_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letters_patient_id'), ['patient_id'], unique=False)



def downgrade():
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letters_patient_id'))
        batch_op.drop_index(batch_op.f('ix_letters_episode_id'))

    op.drop_table('letters')
    with op.batch_alter_table('episodes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_episodes_patient_id'))

    op.drop_table('episodes')
