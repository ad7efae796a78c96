"""SMART clients, grants, refresh tokens, bulk exports (issue 18)

Revision ID: 0018_smart
Revises: 0017_billing
Create Date: 2026-12-06 02:40:00

Reserved in the chain so the features built in parallel each fill their own revision.
"""
from alembic import op
import sqlalchemy as sa
import core.types


# revision identifiers, used by Alembic.
revision = '0018_smart'
down_revision = '0017_billing'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('smart_assertion_ids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('jti', sa.String(length=200), nullable=False),
    sa.Column('expires_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_smart_assertion_ids')),
    sa.UniqueConstraint('client_id', 'jti', name=op.f('uq_smart_assertion_ids_client_id_jti'))
    )
    with op.batch_alter_table('smart_assertion_ids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_smart_assertion_ids_expires_at'), ['expires_at'], unique=False)

    op.create_table('smart_clients',
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('auth_method', sa.String(length=32), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=True),
    sa.Column('jwks', sa.Text(), nullable=True),
    sa.Column('redirect_uris', sa.Text(), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('client_id', name=op.f('pk_smart_clients'))
    )
    op.create_table('smart_authorization_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('redirect_uri', sa.Text(), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('nonce', sa.String(length=200), nullable=True),
    sa.Column('code_challenge', sa.String(length=200), nullable=True),
    sa.Column('code_challenge_method', sa.String(length=16), nullable=True),
    sa.Column('patient_id', sa.String(length=64), nullable=True),
    sa.Column('auth_time', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['smart_clients.client_id'], name=op.f('fk_smart_authorization_codes_client_id_smart_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_smart_authorization_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_smart_authorization_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_smart_authorization_codes_code_hash'))
    )
    with op.batch_alter_table('smart_authorization_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_smart_authorization_codes_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_smart_authorization_codes_user_id'), ['user_id'], unique=False)

    op.create_table('smart_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=True),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('patient_id', sa.String(length=64), nullable=True),
    sa.Column('access_token_hash', sa.String(length=64), nullable=False),
    sa.Column('refresh_token_hash', sa.String(length=64), nullable=True),
    sa.Column('issued_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('refresh_expires_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['smart_clients.client_id'], name=op.f('fk_smart_tokens_client_id_smart_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_smart_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_smart_tokens')),
    sa.UniqueConstraint('access_token_hash', name=op.f('uq_smart_tokens_access_token_hash')),
    sa.UniqueConstraint('refresh_token_hash', name=op.f('uq_smart_tokens_refresh_token_hash'))
    )
    with op.batch_alter_table('smart_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_smart_tokens_client_id'), ['client_id'], unique=False)
        batch_op.create_index('ix_smart_tokens_user_client', ['user_id', 'client_id'], unique=False)
    op.create_table('smart_bulk_exports',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('group_id', sa.String(length=64), nullable=True),
    sa.Column('patient_ids', sa.Text(), nullable=True),
    sa.Column('types', sa.Text(), nullable=False),
    sa.Column('type_filters', sa.Text(), nullable=False),
    sa.Column('since', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('request_url', sa.Text(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=True),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('scope', sa.Text(), nullable=True),
    sa.Column('created_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lease_until', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('position', sa.Text(), nullable=False),
    sa.Column('output', sa.Text(), nullable=False),
    sa.Column('written', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_smart_bulk_exports'))
    )
    with op.batch_alter_table('smart_bulk_exports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_smart_bulk_exports_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('smart_bulk_exports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_smart_bulk_exports_status'))

    op.drop_table('smart_bulk_exports')
    with op.batch_alter_table('smart_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_smart_tokens_user_client')
        batch_op.drop_index(batch_op.f('ix_smart_tokens_client_id'))

    op.drop_table('smart_tokens')
    with op.batch_alter_table('smart_authorization_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_smart_authorization_codes_user_id'))
        batch_op.drop_index(batch_op.f('ix_smart_authorization_codes_client_id'))

    op.drop_table('smart_authorization_codes')
    op.drop_table('smart_clients')
    with op.batch_alter_table('smart_assertion_ids', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_smart_assertion_ids_expires_at'))

    op.drop_table('smart_assertion_ids')
