"""Map-table sessions: sessions, facilitators, invited organisations and participants, one-time
participant codes; contributions get their session, organisation and stance.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 06:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('map_table_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('theme', sa.String(length=40), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('gepland', 'live', 'afgerond')", name=op.f('ck_map_table_session_status')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_map_table_session_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_map_table_session_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_map_table_session')),
    sa.UniqueConstraint('code', name=op.f('uq_map_table_session_code'))
    )
    with op.batch_alter_table('map_table_session', schema=None) as batch_op:
        batch_op.create_index('ix_map_table_session_round', ['round_id', 'starts_at'], unique=False)

    op.create_table('map_table_facilitator',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['map_table_session.id'], name=op.f('fk_map_table_facilitator_session_id_map_table_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_map_table_facilitator_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'user_id', name=op.f('pk_map_table_facilitator'))
    )
    with op.batch_alter_table('map_table_facilitator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_map_table_facilitator_user_id'), ['user_id'], unique=False)

    op.create_table('map_table_organisation',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_map_table_organisation_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['map_table_session.id'], name=op.f('fk_map_table_organisation_session_id_map_table_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'organisation_id', name=op.f('pk_map_table_organisation'))
    )
    with op.batch_alter_table('map_table_organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_map_table_organisation_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('map_table_participant',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['map_table_session.id'], name=op.f('fk_map_table_participant_session_id_map_table_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_map_table_participant_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'user_id', name=op.f('pk_map_table_participant'))
    )
    with op.batch_alter_table('map_table_participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_map_table_participant_user_id'), ['user_id'], unique=False)

    op.create_table('map_table_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_map_table_code_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['map_table_session.id'], name=op.f('fk_map_table_code_session_id_map_table_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_map_table_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_map_table_code_code_hash'))
    )
    with op.batch_alter_table('map_table_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_map_table_code_session_id'), ['session_id'], unique=False)

    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('stance', sa.String(length=12), nullable=True))
        batch_op.create_index(batch_op.f('ix_contribution_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_contribution_session_id_map_table_session'), 'map_table_session', ['session_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_contribution_organisation_id_organisation'), 'organisation', ['organisation_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contribution_organisation_id_organisation'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_contribution_session_id_map_table_session'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_contribution_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_contribution_session_id'))
        batch_op.drop_column('stance')
        batch_op.drop_column('organisation_id')
        batch_op.drop_column('session_id')

    with op.batch_alter_table('map_table_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_map_table_code_session_id'))
    op.drop_table('map_table_code')
    with op.batch_alter_table('map_table_participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_map_table_participant_user_id'))
    op.drop_table('map_table_participant')
    with op.batch_alter_table('map_table_organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_map_table_organisation_organisation_id'))
    op.drop_table('map_table_organisation')
    with op.batch_alter_table('map_table_facilitator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_map_table_facilitator_user_id'))
    op.drop_table('map_table_facilitator')
    with op.batch_alter_table('map_table_session', schema=None) as batch_op:
        batch_op.drop_index('ix_map_table_session_round')
    op.drop_table('map_table_session')
