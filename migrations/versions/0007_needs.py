"""needs: indicator direction and kind, and each scenario's population source (issue 23)

Revision ID: 0007_needs
Revises: 0006_defects
Create Date: 2026-12-04 19:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007_needs"
down_revision = "0006_defects"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "indicator_definition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=80), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("transform", sa.String(length=20), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "direction IN ('higher', 'lower')", name=op.f("ck_indicator_definition_direction_known")
        ),
        sa.CheckConstraint(
            "kind IN ('people', 'score', 'rate', 'places', 'population', 'other')",
            name=op.f("ck_indicator_definition_kind_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_definition")),
        sa.UniqueConstraint("indicator", name=op.f("uq_indicator_definition_indicator")),
    )
    with op.batch_alter_table("scenario", schema=None) as batch_op:
        batch_op.add_column(sa.Column("population_source", sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table("scenario", schema=None) as batch_op:
        batch_op.drop_column("population_source")
    op.drop_table("indicator_definition")
