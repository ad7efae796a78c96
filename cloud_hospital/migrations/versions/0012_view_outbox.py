"""clinic_view_outbox: the transactional outbox of the clinic's FHIR Slot and Appointment views

Revision ID: 0012_view_outbox
Revises: 0011_chat_dedup_by_sender
Create Date: 2026-12-05 07:30:00

"""
from alembic import op
import sqlalchemy as sa
import core.types


# revision identifiers, used by Alembic.
revision = '0012_view_outbox'
down_revision = '0011_chat_dedup_by_sender'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('clinic_view_outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('enqueued_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinic_view_outbox'))
    )
    with op.batch_alter_table('clinic_view_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_clinic_view_outbox_enqueued_at', ['enqueued_at'], unique=False)


def downgrade():
    with op.batch_alter_table('clinic_view_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_clinic_view_outbox_enqueued_at')
    op.drop_table('clinic_view_outbox')
