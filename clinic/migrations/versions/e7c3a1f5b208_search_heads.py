"""search heads: each patient once under the first one, two and three letters of its search words; each word's
first three letters beside it

A common or short prefix over a million patients walked the name index from "a", probing each patient's words,
until a page of matches turned up: fast where the matches are spread through the alphabet, over a second where
they cluster ("O'B"). Listed under each head in list order, a prefix of up to three letters reads its page straight
from the new table's index, and a longer one reads the words under its first three letters in list order from a
new index of the word table. Filled here from the existing search words.

Revision ID: e7c3a1f5b208
Revises: d4b8e2f6a9c1
Create Date: 2026-11-30 11:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7c3a1f5b208'
down_revision = 'd4b8e2f6a9c1'
branch_labels = None
depends_on = None

HEAD = 3  # clinic.patients.fields.HEAD when this migration was written


def upgrade():
    head = sa.String(length=3).with_variant(sa.String(length=3, collation='C'), 'postgresql')
    with op.batch_alter_table('patient_search_terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('head', head, server_default='', nullable=False))
    op.execute(f"UPDATE patient_search_terms SET head = substr(term, 1, {HEAD})")
    with op.batch_alter_table('patient_search_terms', schema=None) as batch_op:
        batch_op.create_index('ix_patient_search_terms_clinic_head',
                              ['clinic_id', 'head', 'sort_name', 'patient_id', 'term'], unique=False)
    op.create_table('patient_search_heads',
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('head', head, nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('sort_name', sa.String(length=201), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_patient_search_heads_clinic_id_clinics')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_patient_search_heads_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('patient_id', 'head', name=op.f('pk_patient_search_heads'))
    )
    heads = " UNION ".join(
        f"SELECT patient_id, substr(term, 1, {n}) AS head, clinic_id, sort_name FROM patient_search_terms"
        for n in range(1, HEAD + 1))
    op.execute(f"INSERT INTO patient_search_heads (patient_id, head, clinic_id, sort_name) {heads}")
    with op.batch_alter_table('patient_search_heads', schema=None) as batch_op:
        batch_op.create_index('ix_patient_search_heads_clinic_head', ['clinic_id', 'head', 'sort_name', 'patient_id'], unique=False)


def downgrade():
    with op.batch_alter_table('patient_search_heads', schema=None) as batch_op:
        batch_op.drop_index('ix_patient_search_heads_clinic_head')
    op.drop_table('patient_search_heads')
    with op.batch_alter_table('patient_search_terms', schema=None) as batch_op:
        batch_op.drop_index('ix_patient_search_terms_clinic_head')
        batch_op.drop_column('head')
