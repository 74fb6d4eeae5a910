"""clinic settings: emergency number, logo, time zone, paper size, screening validity

Revision ID: c5e7a1d2b9f4
Revises: c7d2e5a1f3b9
Create Date: 2026-11-30 01:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5e7a1d2b9f4'
down_revision = 'c7d2e5a1f3b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('clinics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('emergency_number', sa.String(length=50), server_default='', nullable=False))
        batch_op.add_column(sa.Column('logo_png', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), server_default='UTC', nullable=False))
        batch_op.add_column(sa.Column('paper_size', sa.String(length=10), server_default='A4', nullable=False))
        batch_op.add_column(sa.Column('screening_valid_days', sa.Integer(), server_default='30', nullable=False))


def downgrade():
    # recreate="never": SQLite (3.35+) drops these plain columns in place. Batch mode's default copies the
    # table and drops the old one, which SQLite refuses while users and patients point at a clinic.
    with op.batch_alter_table('clinics', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('screening_valid_days')
        batch_op.drop_column('paper_size')
        batch_op.drop_column('time_zone')
        batch_op.drop_column('logo_png')
        batch_op.drop_column('emergency_number')
