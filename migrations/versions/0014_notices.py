"""notices: a process may require a checked email address to vote; following a proposal;
the daily digest's waiting notices

Revision ID: 0014_notices
Revises: 0013_proposal_translations
Create Date: 2026-12-04 22:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014_notices"
down_revision = "0013_proposal_translations"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('process', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checked_email_only', sa.Boolean(), server_default=sa.false(), nullable=False))

    op.create_table('proposal_follow',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_follow_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_proposal_follow_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'proposal_id', name=op.f('pk_proposal_follow'))
    )
    with op.batch_alter_table('proposal_follow', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_follow_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('notice_digest_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=60), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('paragraphs', sa.JSON(), nullable=False),
    sa.Column('link_text', sa.String(length=200), nullable=False),
    sa.Column('link_url', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('gathered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notice_digest_item_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_digest_item'))
    )
    with op.batch_alter_table('notice_digest_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_digest_item_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('notice_digest_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_digest_item_user_id'))

    op.drop_table('notice_digest_item')
    with op.batch_alter_table('proposal_follow', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_follow_proposal_id'))

    op.drop_table('proposal_follow')
    with op.batch_alter_table('process', schema=None) as batch_op:
        batch_op.drop_column('checked_email_only')
