"""languages: the interface language a person chose

Revision ID: 0012_languages
Revises: 0011_reach
Create Date: 2026-12-04 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0012_languages"
down_revision = "0011_reach"
branch_labels = None
depends_on = None


def upgrade():
    # No CHECK on the codes: adding a language is a catalogue and a registry line
    # (pbapp/i18n.py), not a migration; the service refuses codes not in the registry.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('language')
