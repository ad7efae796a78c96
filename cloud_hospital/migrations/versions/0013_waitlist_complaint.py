"""waitlist_entries.complaint_code: what the patient waits for, so risk control can judge an online place

Revision ID: 0013_waitlist_complaint
Revises: 0012_view_outbox
Create Date: 2026-12-06 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_waitlist_complaint'
down_revision = '0012_view_outbox'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('complaint_code', sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.drop_column('complaint_code')
