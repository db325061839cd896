"""Privacy: postcode area, placeholder users for anonymous votes, per-round privacy statement and
vote policy on account deletion, privacy acknowledgements.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 06:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('postcode_area', sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column('placeholder', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('privacy_purpose', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('privacy_legal_basis', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('privacy_contact', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('votes_on_account_deletion', sa.String(length=16), server_default='remove',
                                      nullable=False))

    op.create_table('privacy_acknowledgement',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_privacy_acknowledgement_round_id_round'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_privacy_acknowledgement_user_id_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'round_id', name=op.f('pk_privacy_acknowledgement'))
    )
    with op.batch_alter_table('privacy_acknowledgement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_acknowledgement_round_id'), ['round_id'], unique=False)


def downgrade():
    with op.batch_alter_table('privacy_acknowledgement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_acknowledgement_round_id'))
    op.drop_table('privacy_acknowledgement')

    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_column('votes_on_account_deletion')
        batch_op.drop_column('privacy_contact')
        batch_op.drop_column('privacy_legal_basis')
        batch_op.drop_column('privacy_purpose')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('placeholder')
        batch_op.drop_column('postcode_area')
