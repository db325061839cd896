"""Moderation: reasons, redaction, held reasons, duplicates, input on paper, flags.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 06:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moderation_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('original_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('held_reasons', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('duplicate_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('received_at', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('contact_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('contact_details', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('entered_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_contribution_duplicate_of_id_contribution'), 'contribution',
                                    ['duplicate_of_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_contribution_entered_by_id_user'), 'user',
                                    ['entered_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('reply', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moderation_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('original_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('held_reasons', sa.JSON(), nullable=True))

    op.create_table('flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=True),
    sa.Column('reply_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('(contribution_id IS NULL) <> (reply_id IS NULL)', name=op.f('ck_flag_one_target')),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], name=op.f('fk_flag_contribution_id_contribution'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reply_id'], ['reply.id'], name=op.f('fk_flag_reply_id_reply'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_flag_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flag')),
    sa.UniqueConstraint('user_id', 'contribution_id', name='uq_flag_user_contribution'),
    sa.UniqueConstraint('user_id', 'reply_id', name='uq_flag_user_reply')
    )
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.create_index('ix_flag_contribution', ['contribution_id', 'resolved_at'], unique=False)
        batch_op.create_index('ix_flag_reply', ['reply_id', 'resolved_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_flag_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flag_user_id'))
        batch_op.drop_index('ix_flag_reply')
        batch_op.drop_index('ix_flag_contribution')

    op.drop_table('flag')

    with op.batch_alter_table('reply', schema=None) as batch_op:
        batch_op.drop_column('held_reasons')
        batch_op.drop_column('original_text')
        batch_op.drop_column('moderation_reason')

    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contribution_entered_by_id_user'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_contribution_duplicate_of_id_contribution'), type_='foreignkey')
        batch_op.drop_column('entered_by_id')
        batch_op.drop_column('contact_details')
        batch_op.drop_column('contact_name')
        batch_op.drop_column('received_at')
        batch_op.drop_column('duplicate_of_id')
        batch_op.drop_column('held_reasons')
        batch_op.drop_column('original_text')
        batch_op.drop_column('moderation_reason')
