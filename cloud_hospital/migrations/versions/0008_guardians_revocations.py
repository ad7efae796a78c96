"""registered guardians of patients; access_tokens.revoked_at indexed for the revocation watch

Revision ID: 0008_guardians_revocations
Revises: 0007_consult
Create Date: 2026-11-24 08:40:00

"""
from alembic import op
import sqlalchemy as sa
import core.types


# revision identifiers, used by Alembic.
revision = '0008_guardians_revocations'
down_revision = '0007_consult'
branch_labels = None
depends_on = None

_LIVE = sa.text("status IN ('pending', 'active')")


def upgrade():
    op.create_table('patient_guardians',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('guardian_user_id', sa.String(length=32), nullable=False),
    sa.Column('relationship', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_by_user_id', sa.String(length=32), nullable=False),
    sa.Column('requested_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_user_id', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient_guardians'))
    )
    with op.batch_alter_table('patient_guardians', schema=None) as batch_op:
        batch_op.create_index('ix_patient_guardians_guardian', ['guardian_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patient_guardians_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index('uq_patient_guardians_live', ['patient_id', 'guardian_user_id'], unique=True,
                              sqlite_where=_LIVE, postgresql_where=_LIVE)
    with op.batch_alter_table('access_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_tokens_revoked_at'), ['revoked_at'], unique=False)


def downgrade():
    with op.batch_alter_table('access_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_tokens_revoked_at'))
    with op.batch_alter_table('patient_guardians', schema=None) as batch_op:
        batch_op.drop_index('uq_patient_guardians_live', sqlite_where=_LIVE, postgresql_where=_LIVE)
        batch_op.drop_index(batch_op.f('ix_patient_guardians_patient_id'))
        batch_op.drop_index('ix_patient_guardians_guardian')
    op.drop_table('patient_guardians')
