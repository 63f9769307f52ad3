"""proposal translations: the language a proposal is written in, and its translations

Revision ID: 0013_proposal_translations
Revises: 0012_languages
Create Date: 2026-12-04 22:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013_proposal_translations"
down_revision = "0012_languages"
branch_labels = None
depends_on = None


def upgrade():
    # No CHECK on the codes (as for user.language): the service refuses codes not in the
    # registry. Proposals made before this were written in English.
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=10), server_default='en', nullable=False))

    op.create_table('proposal_translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('by_officer', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('added_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['user.id'], name=op.f('fk_proposal_translations_added_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_translations_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_translations')),
    sa.UniqueConstraint('proposal_id', 'language', name=op.f('uq_proposal_translations_proposal_id_language'))
    )
    with op.batch_alter_table('proposal_translations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_translations_proposal_id'), ['proposal_id'], unique=False)


def downgrade():
    with op.batch_alter_table('proposal_translations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_translations_proposal_id'))

    op.drop_table('proposal_translations')
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_column('language')
