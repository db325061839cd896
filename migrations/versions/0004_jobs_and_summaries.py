"""Job records (the job history with progress and errors), summaries and the contribution groups
behind their figures.

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rq_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('func', sa.String(length=200), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=40), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('error_detail', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=True),
    sa.Column('worker', sa.String(length=120), nullable=False),
    sa.Column('owner', sa.String(length=120), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_job_record_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_job_record_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_record')),
    sa.UniqueConstraint('rq_id', name=op.f('uq_job_record_rq_id'))
    )
    with op.batch_alter_table('job_record', schema=None) as batch_op:
        batch_op.create_index('ix_job_record_round', ['round_id', 'kind', 'created_at'], unique=False)
        batch_op.create_index('ix_job_record_status', ['status'], unique=False)

    op.create_table('summary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('visibility', sa.String(length=8), nullable=True),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('theme', sa.String(length=40), nullable=True),
    sa.Column('input_hash', sa.String(length=64), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('algorithm_version', sa.String(length=20), nullable=False),
    sa.Column('contribution_count', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('charts', sa.JSON(), nullable=False),
    sa.Column('narrative_html', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_summary_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['job_id'], ['job_record.id'], name=op.f('fk_summary_job_id_job_record'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['published_by_id'], ['user.id'], name=op.f('fk_summary_published_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_summary_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_summary')),
    sa.UniqueConstraint('job_id', name=op.f('uq_summary_job_id'))
    )
    with op.batch_alter_table('summary', schema=None) as batch_op:
        batch_op.create_index('ix_summary_input', ['round_id', 'input_hash'], unique=False)
        batch_op.create_index('ix_summary_round', ['round_id', 'status', 'created_at'], unique=False)

    op.create_table('summary_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('summary_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('ids_blob', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['summary_id'], ['summary.id'], name=op.f('fk_summary_group_summary_id_summary'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_summary_group')),
    sa.UniqueConstraint('summary_id', 'key', name=op.f('uq_summary_group_summary_id'))
    )


def downgrade():
    op.drop_table('summary_group')
    with op.batch_alter_table('summary', schema=None) as batch_op:
        batch_op.drop_index('ix_summary_round')
        batch_op.drop_index('ix_summary_input')

    op.drop_table('summary')
    with op.batch_alter_table('job_record', schema=None) as batch_op:
        batch_op.drop_index('ix_job_record_status')
        batch_op.drop_index('ix_job_record_round')

    op.drop_table('job_record')
