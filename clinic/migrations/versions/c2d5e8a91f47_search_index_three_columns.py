"""Search index: the same three columns on every database

The patients migration (bdf3fbfa7bd5) was edited after it had been applied: databases upgraded before
that edit kept ix_patient_search_terms_clinic_term on (clinic_id, term), fresh ones got (clinic_id,
term, patient_id), and Alembic never runs an applied migration again. This one rebuilds the index on
every database, so an upgraded database has exactly the fresh schema (REL-15). Applied migrations are
never edited again: tests/web/test_migration_history.py pins their hashes.

Revision ID: c2d5e8a91f47
Revises: a984a4e5c8c9
Create Date: 2026-11-30 02:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c2d5e8a91f47'
down_revision = 'a984a4e5c8c9'
branch_labels = None
depends_on = None

INDEX = 'ix_patient_search_terms_clinic_term'


def upgrade():
    # Dropped and made again whatever it was: 2 columns (upgraded before the edit) or 3 (fresh).
    with op.batch_alter_table('patient_search_terms', schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.create_index(INDEX, ['clinic_id', 'term', 'patient_id'], unique=False)


def downgrade():
    # The index as every database had it at a984a4e5c8c9 once this migration is there: 3 columns.
    pass
