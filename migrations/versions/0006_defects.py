"""a draft proposal may leave its cost empty (issue 17: "Save as draft" required every field)

Revision ID: 0006_defects
Revises: 0005_accountability
Create Date: 2026-12-04 19:15:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006_defects"
down_revision = "0005_accountability"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("proposal") as batch:
        batch.alter_column("cost", existing_type=sa.Integer(), nullable=True)
        batch.drop_constraint(op.f("ck_proposal_cost_positive"), type_="check")
        batch.create_check_constraint(op.f("ck_proposal_cost_positive"), "cost IS NULL OR cost > 0")
        batch.create_check_constraint(
            op.f("ck_proposal_cost_when_submitted"), "status = 'draft' OR cost IS NOT NULL"
        )


def downgrade():
    # Drafts without a cost cannot be kept by the older schema: they get the least cost, £1.
    op.execute("UPDATE proposal SET cost = 1 WHERE cost IS NULL")
    with op.batch_alter_table("proposal") as batch:
        batch.drop_constraint(op.f("ck_proposal_cost_when_submitted"), type_="check")
        batch.drop_constraint(op.f("ck_proposal_cost_positive"), type_="check")
        batch.create_check_constraint(op.f("ck_proposal_cost_positive"), "cost > 0")
        batch.alter_column("cost", existing_type=sa.Integer(), nullable=False)
