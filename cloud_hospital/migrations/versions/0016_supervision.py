"""supervision feed, trace, retention and holds (issue 21)

Revision ID: 0016_supervision
Revises: 0015_review_flags
Create Date: 2026-12-06 02:40:00

The supervision feed (an outbox written with each reportable change), push endpoints and their deliveries,
and legal holds.
"""
from alembic import op
import sqlalchemy as sa
import core.types


# revision identifiers, used by Alembic.
revision = '0016_supervision'
down_revision = '0015_review_flags'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('supervision_feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trace_id', sa.String(length=80), nullable=False),
    sa.Column('trace_seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=False),
    sa.Column('patient_ref', sa.String(length=100), nullable=True),
    sa.Column('actor_user_id', sa.String(length=32), nullable=True),
    sa.Column('actor_role', sa.String(length=16), nullable=False),
    sa.Column('occurred_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_feed')),
    sa.UniqueConstraint('trace_id', 'trace_seq', name=op.f('uq_supervision_feed_trace_id_trace_seq'))
    )
    op.create_index(op.f('ix_supervision_feed_kind'), 'supervision_feed', ['kind'], unique=False)
    op.create_index(op.f('ix_supervision_feed_patient_ref'), 'supervision_feed', ['patient_ref'], unique=False)
    op.create_table('supervision_endpoints',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=True),
    sa.Column('secret_sealed', sa.LargeBinary(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('enqueued_through', sa.Integer(), nullable=False),
    sa.Column('created_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_endpoints'))
    )
    op.create_table('supervision_deliveries',
    sa.Column('endpoint_id', sa.String(length=32), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('trace_id', sa.String(length=80), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('delivered_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['endpoint_id'], ['supervision_endpoints.id'], name=op.f('fk_supervision_deliveries_endpoint_id_supervision_endpoints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['supervision_feed.id'], name=op.f('fk_supervision_deliveries_entry_id_supervision_feed'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('endpoint_id', 'entry_id', name=op.f('pk_supervision_deliveries'))
    )
    op.create_index('ix_supervision_deliveries_endpoint_status_entry', 'supervision_deliveries', ['endpoint_id', 'status', 'entry_id'], unique=False)
    op.create_table('legal_holds',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('target_type', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('placed_by', sa.String(length=32), nullable=True),
    sa.Column('placed_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lifted_by', sa.String(length=32), nullable=True),
    sa.Column('lifted_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lift_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_holds'))
    )
    op.create_index('ix_legal_holds_target_lifted', 'legal_holds', ['target_type', 'target_id', 'lifted_at'], unique=False)
    op.create_table('retention_rules',
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('period_days', sa.Integer(), nullable=False),
    sa.Column('minimum_days', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=32), nullable=True),
    sa.Column('updated_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('kind', name=op.f('pk_retention_rules'))
    )
    op.create_table('retention_runs',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('started_by', sa.String(length=32), nullable=True),
    sa.Column('started_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('report', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_runs'))
    )
    op.create_index(op.f('ix_retention_runs_started_at'), 'retention_runs', ['started_at'], unique=False)
    op.create_table('erasure_requests',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('requested_by', sa.String(length=32), nullable=True),
    sa.Column('requested_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('honoured_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erasure_requests'))
    )
    op.create_index(op.f('ix_erasure_requests_patient_id'), 'erasure_requests', ['patient_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_erasure_requests_patient_id'), table_name='erasure_requests')
    op.drop_table('erasure_requests')
    op.drop_index(op.f('ix_retention_runs_started_at'), table_name='retention_runs')
    op.drop_table('retention_runs')
    op.drop_table('retention_rules')
    op.drop_index('ix_legal_holds_target_lifted', table_name='legal_holds')
    op.drop_table('legal_holds')
    op.drop_index('ix_supervision_deliveries_endpoint_status_entry', table_name='supervision_deliveries')
    op.drop_table('supervision_deliveries')
    op.drop_table('supervision_endpoints')
    op.drop_index(op.f('ix_supervision_feed_patient_ref'), table_name='supervision_feed')
    op.drop_index(op.f('ix_supervision_feed_kind'), table_name='supervision_feed')
    op.drop_table('supervision_feed')
