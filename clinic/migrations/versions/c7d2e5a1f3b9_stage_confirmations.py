"""stage confirmations: who confirmed which entry criterion of which stage, when

Plans made before this change reached their stored current stage without criteria recorded one by one:
for each of them, every entry criterion of every stage after the first, up to and including the current
one, is written as confirmed "before this change" (by the plan's last editor, at its last update), so
that making the plan again keeps its current stage.

Revision ID: c7d2e5a1f3b9
Revises: c7d2e91f4a10
Create Date: 2026-11-30 02:10:00

"""
from alembic import op
import sqlalchemy as sa

import clinic.models  # noqa: F401  custom column types (UTCDateTime) referenced below


# revision identifiers, used by Alembic.
revision = 'c7d2e5a1f3b9'
down_revision = 'c7d2e91f4a10'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('stage_confirmations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.String(length=60), nullable=False),
    sa.Column('criterion', sa.Text(), nullable=False),
    sa.Column('by', sa.String(length=254), nullable=False),
    sa.Column('by_name', sa.String(length=200), nullable=False),
    sa.Column('at', clinic.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('before_change', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_stage_confirmations_patient_id_patients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_stage_confirmations_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stage_confirmations'))
    )
    with op.batch_alter_table('stage_confirmations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stage_confirmations_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stage_confirmations_plan_id'), ['plan_id'], unique=False)

    plans = sa.table('plans', sa.column('id', sa.Integer()), sa.column('patient_id', sa.Integer()),
                     sa.column('draft', sa.JSON()), sa.column('updated_by', sa.String()),
                     sa.column('updated_at', clinic.models.UTCDateTime(timezone=True)))
    rows = []
    for plan in op.get_bind().execute(sa.select(plans)):
        rows += _before_change_rows(plan)
    if rows:
        op.bulk_insert(table, rows)


def _before_change_rows(plan) -> list[dict]:
    """The entry criteria of the stages after the first, up to the stored current one (format 1 drafts)."""
    body = (plan.draft or {}).get("plan") or {}
    stages = body.get("stages") or []
    current = body.get("current_stage")
    ids = [stage.get("id") for stage in stages]
    if current not in ids:
        return []
    rows = []
    for index in range(1, ids.index(current) + 1):
        criteria = [*stages[index - 1].get("move_on_when", []), *stages[index].get("confirmations", [])]
        for criterion in dict.fromkeys(criteria):
            rows.append({"plan_id": plan.id, "patient_id": plan.patient_id, "stage_id": ids[index],
                         "criterion": criterion, "by": plan.updated_by or "", "by_name": "",
                         "at": plan.updated_at, "before_change": True})
    return rows


def downgrade():
    with op.batch_alter_table('stage_confirmations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stage_confirmations_plan_id'))
        batch_op.drop_index(batch_op.f('ix_stage_confirmations_patient_id'))

    op.drop_table('stage_confirmations')
