"""plans.carried_over: what a remade draft kept of the therapist's edits (C29)

Revision ID: c29a7e0d5b11
Revises: c2d5e8a91f47
Create Date: 2026-11-30 02:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c29a7e0d5b11'
down_revision = 'c2d5e8a91f47'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable: plans stored before this have nothing carried over to show.
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carried_over', sa.JSON(), nullable=True))


def downgrade():
    # recreate='never': SQLite (3.35+) drops the column in place. Batch mode's default copies the table and
    # drops the old one, and that DROP deleted every row that cascades from it (revisions, sessions...).
    with op.batch_alter_table('plans', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('carried_over')
