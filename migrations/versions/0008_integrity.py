"""integrity: processes start as drafts; paper ballots keep a postcode; funders belong to an
organisation

Revision ID: 0008_integrity
Revises: 0007_needs
Create Date: 2026-12-04 18:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008_integrity"
down_revision = "0007_needs"
branch_labels = None
depends_on = None


def upgrade():
    # Processes that exist already are public: they stay published (the default is false).
    with op.batch_alter_table('process', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_draft', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paper_postcode', sa.String(length=8), nullable=True))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('funding_organisation', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('funding_organisation')
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.drop_column('paper_postcode')
    with op.batch_alter_table('process', schema=None) as batch_op:
        batch_op.drop_column('is_draft')
