"""fees, charges, payments, refunds, ledger, settlement (issue 19)

Revision ID: 0017_billing
Revises: 0016_supervision
Create Date: 2026-12-06 02:40:00

Reserved in the chain so the features built in parallel each fill their own revision.
billing_* tables: fee schedules, charges and items, payments, provider notifications, refunds, the ledger,
and the sandbox provider's own books.
"""
from alembic import op
import sqlalchemy as sa
import core.types


# revision identifiers, used by Alembic.
revision = '0017_billing'
down_revision = '0016_supervision'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('billing_charges',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=True),
    sa.Column('source_ref', sa.String(length=100), nullable=False),
    sa.Column('payee_kind', sa.String(length=20), nullable=False),
    sa.Column('payee_id', sa.String(length=64), nullable=True),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('paid_fen', sa.Integer(), nullable=False),
    sa.Column('refunded_fen', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paid_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_reason', sa.String(length=200), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'paid', 'refunded', 'void', 'expired')", name=op.f('ck_billing_charges_status_known')),
    sa.CheckConstraint('amount_fen >= 0', name=op.f('ck_billing_charges_amount_not_negative')),
    sa.CheckConstraint('paid_fen >= 0 AND refunded_fen >= 0 AND refunded_fen <= paid_fen', name=op.f('ck_billing_charges_refund_within_paid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_charges')),
    sa.UniqueConstraint('source_ref', name=op.f('uq_billing_charges_source_ref'))
    )
    with op.batch_alter_table('billing_charges', schema=None) as batch_op:
        batch_op.create_index('ix_billing_charges_patient_created', ['patient_id', 'created_at'], unique=False)
        batch_op.create_index('ix_billing_charges_status_due', ['status', 'due_at'], unique=False)

    op.create_table('billing_fees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payee_id', sa.String(length=64), nullable=False),
    sa.Column('service', sa.String(length=20), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('effective_from', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=32), nullable=True),
    sa.Column('created_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_fen >= 0', name=op.f('ck_billing_fees_amount_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_fees')),
    sa.UniqueConstraint('payee_id', 'service', 'code', 'effective_from', name=op.f('uq_billing_fees_payee_id_service_code_effective_from'))
    )
    op.create_table('billing_ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('journal_id', sa.String(length=32), nullable=False),
    sa.Column('account', sa.String(length=100), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('charge_id', sa.String(length=32), nullable=True),
    sa.Column('memo', sa.String(length=100), nullable=False),
    sa.Column('posted_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_ledger'))
    )
    with op.batch_alter_table('billing_ledger', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_ledger_charge_id'), ['charge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_ledger_journal_id'), ['journal_id'], unique=False)
        batch_op.create_index('ix_billing_ledger_posted_account', ['posted_at', 'account'], unique=False)

    op.create_table('billing_notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('notify_id', sa.String(length=64), nullable=False),
    sa.Column('provider_ref', sa.String(length=64), nullable=True),
    sa.Column('event', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('received_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_notifications')),
    sa.UniqueConstraint('provider', 'notify_id', name=op.f('uq_billing_notifications_provider_notify_id'))
    )
    op.create_table('billing_sandbox_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notify_id', sa.String(length=64), nullable=False),
    sa.Column('provider_ref', sa.String(length=64), nullable=False),
    sa.Column('event', sa.String(length=20), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('refund_ref', sa.String(length=64), nullable=True),
    sa.Column('at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_sandbox_events')),
    sa.UniqueConstraint('notify_id', name=op.f('uq_billing_sandbox_events_notify_id'))
    )
    with op.batch_alter_table('billing_sandbox_events', schema=None) as batch_op:
        batch_op.create_index('ix_billing_sandbox_events_due', ['sent', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_billing_sandbox_events_provider_ref'), ['provider_ref'], unique=False)

    op.create_table('billing_sandbox_trades',
    sa.Column('provider_ref', sa.String(length=64), nullable=False),
    sa.Column('trade_no', sa.String(length=64), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('refunded_fen', sa.Integer(), nullable=False),
    sa.Column('created_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('paid_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('provider_ref', name=op.f('pk_billing_sandbox_trades')),
    sa.UniqueConstraint('trade_no', name=op.f('uq_billing_sandbox_trades_trade_no'))
    )
    op.create_table('billing_charge_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('charge_id', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('service', sa.String(length=20), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_fen', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity > 0 AND unit_fen >= 0', name=op.f('ck_billing_charge_items_quantity_and_price')),
    sa.ForeignKeyConstraint(['charge_id'], ['billing_charges.id'], name=op.f('fk_billing_charge_items_charge_id_billing_charges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_charge_items')),
    sa.UniqueConstraint('charge_id', 'position', name=op.f('uq_billing_charge_items_charge_id_position'))
    )
    op.create_table('billing_payments',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('charge_id', sa.String(length=32), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('provider_ref', sa.String(length=64), nullable=False),
    sa.Column('trade_no', sa.String(length=64), nullable=True),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('intent', sa.Text(), nullable=True),
    sa.Column('created_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('paid_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'closed')", name=op.f('ck_billing_payments_status_known')),
    sa.ForeignKeyConstraint(['charge_id'], ['billing_charges.id'], name=op.f('fk_billing_payments_charge_id_billing_charges')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_payments')),
    sa.UniqueConstraint('provider', 'provider_ref', name=op.f('uq_billing_payments_provider_provider_ref'))
    )
    with op.batch_alter_table('billing_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_payments_charge_id'), ['charge_id'], unique=False)
        batch_op.create_index('ix_billing_payments_status_created', ['status', 'created_at'], unique=False)

    op.create_table('billing_refunds',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('charge_id', sa.String(length=32), nullable=False),
    sa.Column('payment_id', sa.String(length=32), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('requested_by', sa.String(length=32), nullable=True),
    sa.Column('created_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('succeeded_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name=op.f('ck_billing_refunds_status_known')),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_billing_refunds_amount_positive')),
    sa.ForeignKeyConstraint(['charge_id'], ['billing_charges.id'], name=op.f('fk_billing_refunds_charge_id_billing_charges')),
    sa.ForeignKeyConstraint(['payment_id'], ['billing_payments.id'], name=op.f('fk_billing_refunds_payment_id_billing_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_refunds'))
    )
    with op.batch_alter_table('billing_refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_refunds_charge_id'), ['charge_id'], unique=False)
        batch_op.create_index('ix_billing_refunds_status_created', ['status', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('billing_refunds', schema=None) as batch_op:
        batch_op.drop_index('ix_billing_refunds_status_created')
        batch_op.drop_index(batch_op.f('ix_billing_refunds_charge_id'))

    op.drop_table('billing_refunds')
    with op.batch_alter_table('billing_payments', schema=None) as batch_op:
        batch_op.drop_index('ix_billing_payments_status_created')
        batch_op.drop_index(batch_op.f('ix_billing_payments_charge_id'))

    op.drop_table('billing_payments')
    op.drop_table('billing_charge_items')
    op.drop_table('billing_sandbox_trades')
    with op.batch_alter_table('billing_sandbox_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_sandbox_events_provider_ref'))
        batch_op.drop_index('ix_billing_sandbox_events_due')

    op.drop_table('billing_sandbox_events')
    op.drop_table('billing_notifications')
    with op.batch_alter_table('billing_ledger', schema=None) as batch_op:
        batch_op.drop_index('ix_billing_ledger_posted_account')
        batch_op.drop_index(batch_op.f('ix_billing_ledger_journal_id'))
        batch_op.drop_index(batch_op.f('ix_billing_ledger_charge_id'))

    op.drop_table('billing_ledger')
    op.drop_table('billing_fees')
    with op.batch_alter_table('billing_charges', schema=None) as batch_op:
        batch_op.drop_index('ix_billing_charges_status_due')
        batch_op.drop_index('ix_billing_charges_patient_created')

    op.drop_table('billing_charges')
