"""login_known_addresses: addresses an account logged in from, spared by the account-wide login throttle

Revision ID: 0010_login_known_addresses
Revises: 0009_prescription_replaces
Create Date: 2026-12-05 07:45:00

"""
from alembic import op
import sqlalchemy as sa
import core.types


# revision identifiers, used by Alembic.
revision = '0010_login_known_addresses'
down_revision = '0009_prescription_replaces'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_known_addresses',
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('last_success_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('account', 'address', name=op.f('pk_login_known_addresses'))
    )
    with op.batch_alter_table('login_known_addresses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_known_addresses_last_success_at'), ['last_success_at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_known_addresses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_known_addresses_last_success_at'))

    op.drop_table('login_known_addresses')
