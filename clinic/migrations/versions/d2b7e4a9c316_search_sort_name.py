"""search: the patient's sort name beside each search word, in the word index

A common prefix over a million patients had to fetch every matching patient to sort them. With the folded
sort name in the index beside each word, the matches come out of the index in list order. Filled here for
existing rows.

Revision ID: d2b7e4a9c316
Revises: d1a4c7e2f805
Create Date: 2026-11-30 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd2b7e4a9c316'
down_revision = 'd1a4c7e2f805'
branch_labels = None
depends_on = None

INDEX = 'ix_patient_search_terms_clinic_term'


def upgrade():
    with op.batch_alter_table('patient_search_terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sort_name', sa.String(length=201), server_default='', nullable=False))
        batch_op.drop_index(INDEX)
    op.execute("UPDATE patient_search_terms SET sort_name = "
               "(SELECT patients.sort_name FROM patients WHERE patients.id = patient_search_terms.patient_id)")
    with op.batch_alter_table('patient_search_terms', schema=None) as batch_op:
        batch_op.create_index(INDEX, ['clinic_id', 'term', 'sort_name', 'patient_id'], unique=False)


def downgrade():
    with op.batch_alter_table('patient_search_terms', schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.create_index(INDEX, ['clinic_id', 'term', 'patient_id'], unique=False)
        batch_op.drop_column('sort_name')
