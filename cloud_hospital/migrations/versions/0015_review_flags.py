"""prescription_review_facts and prescription_review_flags: what the pharmacist saw and decided

Revision ID: 0015_review_flags
Revises: 0014_registration
Create Date: 2026-12-07 09:00:00

"""
from alembic import op
import sqlalchemy as sa
import core.types


# revision identifiers, used by Alembic.
revision = '0015_review_flags'
down_revision = '0014_registration'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('prescription_review_facts',
    sa.Column('prescription_id', sa.String(length=32), nullable=False),
    sa.Column('gathered_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['prescription_id'], ['prescriptions.id'], name=op.f('fk_prescription_review_facts_prescription_id_prescriptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('prescription_id', name=op.f('pk_prescription_review_facts'))
    )
    op.create_table('prescription_review_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('prescription_id', sa.String(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('item_position', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('citation', sa.Text(), nullable=True),
    sa.Column('decision', sa.String(length=12), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('decided_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("decision IS NULL OR decision IN ('upheld', 'overridden')", name=op.f('ck_prescription_review_flags_decision_known')),
    sa.ForeignKeyConstraint(['prescription_id'], ['prescriptions.id'], name=op.f('fk_prescription_review_flags_prescription_id_prescriptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prescription_review_flags')),
    sa.UniqueConstraint('prescription_id', 'key', name=op.f('uq_prescription_review_flags_prescription_id_key')),
    sa.UniqueConstraint('prescription_id', 'number', name=op.f('uq_prescription_review_flags_prescription_id_number'))
    )


def downgrade():
    op.drop_table('prescription_review_flags')
    op.drop_table('prescription_review_facts')
