"""retention of clinical records, payment records and operational logs (issue 21)

Revision ID: 0020_retention
Revises: 0019_care
Create Date: 2026-12-06 05:15:00

Reserved in the chain so the features built in parallel each fill their own revision.
"""
from alembic import op
import sqlalchemy as sa
import core.types


# revision identifiers, used by Alembic.
revision = '0020_retention'
down_revision = '0019_care'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fhir_compartment_departed',
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('resource_pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['resource_pk'], ['fhir_resources.pk'], name=op.f('fk_fhir_compartment_departed_resource_pk_fhir_resources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('patient_id', 'resource_pk', name=op.f('pk_fhir_compartment_departed'))
    )
    # Resources deleted before this revision left no row: record their last compartment now (a JSON scan once).
    _backfill_departures()


def _backfill_departures():
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT r.pk, v.content FROM fhir_resources r JOIN fhir_resource_versions v ON v.resource_pk = r.pk "
        "WHERE r.deleted AND v.version_id = r.version_id - 1 AND v.content IS NOT NULL")).all()
    if not rows:
        return
    from records.compartment import compartment_patients  # only when there is something to backfill
    import json
    values = [{"patient_id": p, "resource_pk": pk} for pk, content in rows
              for p in sorted(compartment_patients(json.loads(content)))]
    if values:
        bind.execute(sa.text("INSERT INTO fhir_compartment_departed (patient_id, resource_pk) "
                             "VALUES (:patient_id, :resource_pk)"), values)


def downgrade():
    op.drop_table('fhir_compartment_departed')
