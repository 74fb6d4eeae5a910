"""patient name order; whole-name search words

Revision ID: c7d2e91f4a10
Revises: c3d5e7f9a1b2
Create Date: 2026-11-30 02:05:00

Every existing patient keeps showing as today (given names first). Their whole name run together, in both
orders, becomes a search word, so a Chinese name typed whole (王秀英) finds the patient without a re-save.
The folding below is a frozen copy of clinic.patients.fields.search_key as of this revision.
"""
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7d2e91f4a10'
down_revision = 'c3d5e7f9a1b2'
branch_labels = None
depends_on = None

_SPECIAL = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})
_NON_WORD = re.compile(r"\W+")


def _key(text):
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_SPECIAL)
    return _NON_WORD.sub("", folded)[:100]


def upgrade():
    with op.batch_alter_table('patients') as batch_op:
        batch_op.add_column(sa.Column('name_order', sa.String(length=20), server_default='given_first',
                                      nullable=False))
    conn = op.get_bind()
    patients = sa.table('patients', sa.column('id'), sa.column('clinic_id'), sa.column('family_name'),
                        sa.column('given_names'))
    terms = sa.table('patient_search_terms', sa.column('patient_id'), sa.column('clinic_id'), sa.column('term'))
    existing = {(row.patient_id, row.term) for row in conn.execute(sa.select(terms.c.patient_id, terms.c.term))}
    rows = []
    for p in conn.execute(sa.select(patients)):
        for whole in (p.family_name + p.given_names, p.given_names + p.family_name):
            term = _key(whole)
            if term and (p.id, term) not in existing:
                existing.add((p.id, term))
                rows.append({"patient_id": p.id, "clinic_id": p.clinic_id, "term": term})
    if rows:
        op.bulk_insert(terms, rows)


def downgrade():
    # recreate='never': SQLite (3.35+) drops the column in place. Batch mode's default copies the table and
    # drops the old one, and that DROP deleted every row that cascades from it (screenings, plans...).
    with op.batch_alter_table('patients', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('name_order')
