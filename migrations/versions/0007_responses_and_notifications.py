"""Official responses, notification subscriptions and preferences.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 06:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('phase_label', sa.String(length=100), nullable=False),
    sa.Column('zone_name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_response_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['published_by_id'], ['user.id'], name=op.f('fk_response_published_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_response_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response'))
    )
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.create_index('ix_response_round', ['round_id', 'status', 'published_at'], unique=False)

    op.create_table('response_contribution',
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], name=op.f('fk_response_contribution_contribution_id_contribution'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_response_contribution_response_id_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('response_id', 'contribution_id', name=op.f('pk_response_contribution'))
    )
    with op.batch_alter_table('response_contribution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_contribution_contribution_id'), ['contribution_id'], unique=False)

    op.create_table('subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(project_id IS NULL) <> (round_id IS NULL)', name=op.f('ck_subscription_one_target')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_subscription_project_id_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_subscription_round_id_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_subscription_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription')),
    sa.UniqueConstraint('user_id', 'project_id', name='uq_subscription_user_project'),
    sa.UniqueConstraint('user_id', 'round_id', name='uq_subscription_user_round')
    )
    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscription_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscription_round_id'), ['round_id'], unique=False)

    op.create_table('notification_preference',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('input_moderated', sa.Boolean(), nullable=False),
    sa.Column('input_answered', sa.Boolean(), nullable=False),
    sa.Column('round_news', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notification_preference_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_preference'))
    )

    op.create_table('notification_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('object_type', sa.String(length=20), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('base_url', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('processed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_notification_event_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_event')),
    sa.UniqueConstraint('key', name=op.f('uq_notification_event_key'))
    )
    with op.batch_alter_table('notification_event', schema=None) as batch_op:
        batch_op.create_index('ix_notification_event_pending', ['processed_at', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_event_round_id'), ['round_id'], unique=False)

    op.create_table('notification_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['notification_event.id'], name=op.f('fk_notification_delivery_event_id_notification_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notification_delivery_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_delivery')),
    sa.UniqueConstraint('event_id', 'user_id', name='uq_notification_delivery_event_user')
    )
    with op.batch_alter_table('notification_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_delivery_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('notification_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_delivery_user_id'))
    op.drop_table('notification_delivery')

    with op.batch_alter_table('notification_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_event_round_id'))
        batch_op.drop_index('ix_notification_event_pending')
    op.drop_table('notification_event')

    op.drop_table('notification_preference')

    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscription_round_id'))
        batch_op.drop_index(batch_op.f('ix_subscription_project_id'))
    op.drop_table('subscription')

    with op.batch_alter_table('response_contribution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_contribution_contribution_id'))
    op.drop_table('response_contribution')

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index('ix_response_round')
    op.drop_table('response')
