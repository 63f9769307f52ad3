"""core funding: reach light/intensive and its check, equality reach, subsidy control,
corrected figures, one group per keeper account

Revision ID: 0010_corefunding
Revises: 0009_verify
Create Date: 2026-12-04 18:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010_corefunding"
down_revision = "0009_verify"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reach_period', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('reach_method', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('equality_people', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('equality_intensive', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('equality_description', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('trades', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('mfa_declared', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('reach_check_result', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('reach_check_method', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('reach_checked_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reach_checked_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_organisation_reach_checked_by_id_user'), 'user', ['reach_checked_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(batch_op.f('ck_organisation_equality_reach_valid'), '(equality_people IS NULL AND equality_intensive IS NULL) OR (equality_people > 0 AND equality_intensive >= 0 AND equality_intensive <= equality_people)')
        batch_op.create_check_constraint(batch_op.f('ck_organisation_mfa_not_negative'), 'mfa_declared >= 0')
        batch_op.create_check_constraint(batch_op.f('ck_organisation_reach_check_known'), "reach_check_result IS NULL OR reach_check_result IN ('confirmed', 'not_confirmed')")

    with op.batch_alter_table('organisation_reach', schema=None) as batch_op:
        batch_op.add_column(sa.Column('intensive', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint(batch_op.f('ck_organisation_reach_intensive_within_people'), 'intensive >= 0 AND intensive <= people')

    with op.batch_alter_table('organisation_keeper', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_keeper_user_id'))
        batch_op.create_index(batch_op.f('ix_organisation_keeper_user_id'), ['user_id'], unique=True)

    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trades', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('correction_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('corrected', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('correction_request', schema=None) as batch_op:
        batch_op.drop_column('corrected')

    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.drop_column('trades')

    with op.batch_alter_table('organisation_keeper', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_keeper_user_id'))
        batch_op.create_index(batch_op.f('ix_organisation_keeper_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('organisation_reach', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_organisation_reach_intensive_within_people'), type_='check')
        batch_op.drop_column('intensive')

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_organisation_reach_check_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_organisation_mfa_not_negative'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_organisation_equality_reach_valid'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_organisation_reach_checked_by_id_user'), type_='foreignkey')
        batch_op.drop_column('reach_checked_at')
        batch_op.drop_column('reach_checked_by_id')
        batch_op.drop_column('reach_check_method')
        batch_op.drop_column('reach_check_result')
        batch_op.drop_column('mfa_declared')
        batch_op.drop_column('trades')
        batch_op.drop_column('equality_description')
        batch_op.drop_column('equality_intensive')
        batch_op.drop_column('equality_people')
        batch_op.drop_column('reach_method')
        batch_op.drop_column('reach_period')
