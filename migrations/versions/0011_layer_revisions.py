"""Zone change proposals and plan-layer revisions.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 06:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('layer_id', sa.Integer(), nullable=False),
    sa.Column('zone_key', sa.String(length=200), nullable=False),
    sa.Column('zone_name', sa.String(length=200), nullable=False),
    sa.Column('base_version_id', sa.Integer(), nullable=False),
    sa.Column('from_category', sa.String(length=100), nullable=False),
    sa.Column('to_category', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('contribution_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('applied_version_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('proposed', 'accepted', 'rejected')", name=op.f('ck_proposal_status')),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_proposal_round_id_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['layer_id'], ['layer.id'], name=op.f('fk_proposal_layer_id_layer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['base_version_id'], ['layer_version.id'], name=op.f('fk_proposal_base_version_id_layer_version'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_proposal_organisation_id_organisation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['map_table_session.id'], name=op.f('fk_proposal_session_id_map_table_session'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], name=op.f('fk_proposal_contribution_id_contribution'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_proposal_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_proposal_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['applied_version_id'], ['layer_version.id'], name=op.f('fk_proposal_applied_version_id_layer_version'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal'))
    )
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.create_index('ix_proposal_zone', ['layer_id', 'zone_key', 'status'], unique=False)
        batch_op.create_index('ix_proposal_round', ['round_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_base_version_id'), ['base_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_contribution_id'), ['contribution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_applied_version_id'), ['applied_version_id'], unique=False)

    op.create_table('zone_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('layer_id', sa.Integer(), nullable=False),
    sa.Column('zone_key', sa.String(length=200), nullable=False),
    sa.Column('zone_name', sa.String(length=200), nullable=False),
    sa.Column('old_category', sa.String(length=100), nullable=False),
    sa.Column('new_category', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['layer_version.id'], name=op.f('fk_zone_change_version_id_layer_version'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['layer_id'], ['layer.id'], name=op.f('fk_zone_change_layer_id_layer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zone_change')),
    sa.UniqueConstraint('version_id', 'zone_key', name=op.f('uq_zone_change_version_id'))
    )
    with op.batch_alter_table('zone_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_zone_change_layer_id'), ['layer_id'], unique=False)

    op.create_table('zone_change_proposal',
    sa.Column('zone_change_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['zone_change_id'], ['zone_change.id'], name=op.f('fk_zone_change_proposal_zone_change_id_zone_change'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_zone_change_proposal_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('zone_change_id', 'proposal_id', name=op.f('pk_zone_change_proposal'))
    )
    with op.batch_alter_table('zone_change_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_zone_change_proposal_proposal_id'), ['proposal_id'], unique=False)


def downgrade():
    with op.batch_alter_table('zone_change_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_zone_change_proposal_proposal_id'))
    op.drop_table('zone_change_proposal')

    with op.batch_alter_table('zone_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_zone_change_layer_id'))
    op.drop_table('zone_change')

    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_applied_version_id'))
        batch_op.drop_index(batch_op.f('ix_proposal_contribution_id'))
        batch_op.drop_index(batch_op.f('ix_proposal_session_id'))
        batch_op.drop_index(batch_op.f('ix_proposal_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_proposal_base_version_id'))
        batch_op.drop_index('ix_proposal_round')
        batch_op.drop_index('ix_proposal_zone')
    op.drop_table('proposal')
