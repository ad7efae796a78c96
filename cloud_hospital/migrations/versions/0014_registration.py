"""phone_codes and id_number_claims: phone-verified registration and identity-number claims (issue 16 item 6)

Revision ID: 0014_registration
Revises: 0013_waitlist_complaint
Create Date: 2026-12-07 09:00:00

"""
from alembic import op
import sqlalchemy as sa
import core.types


# revision identifiers, used by Alembic.
revision = '0014_registration'
down_revision = '0013_waitlist_complaint'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('phone_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone_codes'))
    )
    with op.batch_alter_table('phone_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phone_codes_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index('ix_phone_codes_phone_created_at', ['phone', 'created_at'], unique=False)

    op.create_table('id_number_claims',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('claimant_id', sa.String(length=32), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('holder_id', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['claimant_id'], ['users.id'], name=op.f('fk_id_number_claims_claimant_id_users'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['holder_id'], ['users.id'], name=op.f('fk_id_number_claims_holder_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_id_number_claims'))
    )
    with op.batch_alter_table('id_number_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_id_number_claims_claimant_id'), ['claimant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_id_number_claims_id_number'), ['id_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_id_number_claims_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('id_number_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_id_number_claims_status'))
        batch_op.drop_index(batch_op.f('ix_id_number_claims_id_number'))
        batch_op.drop_index(batch_op.f('ix_id_number_claims_claimant_id'))

    op.drop_table('id_number_claims')
    with op.batch_alter_table('phone_codes', schema=None) as batch_op:
        batch_op.drop_index('ix_phone_codes_phone_created_at')
        batch_op.drop_index(batch_op.f('ix_phone_codes_expires_at'))

    op.drop_table('phone_codes')
