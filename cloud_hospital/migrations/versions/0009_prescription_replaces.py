"""prescriptions.replaces_id: the prescription a doctor's new one replaces (status 'replaced')

Revision ID: 0009_prescription_replaces
Revises: 0008_guardians_revocations
Create Date: 2026-12-05 07:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_prescription_replaces'
down_revision = '0008_guardians_revocations'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('prescriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaces_id', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('prescriptions', schema=None) as batch_op:
        batch_op.drop_column('replaces_id')
