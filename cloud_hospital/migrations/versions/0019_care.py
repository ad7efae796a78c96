"""care plans, measurements, inspections, nursing (issue 20)

Revision ID: 0019_care
Revises: 0018_smart
Create Date: 2026-12-06 02:40:00

Reserved in the chain so the features built in parallel each fill their own revision.
"""

from alembic import op
import sqlalchemy as sa
import core.types


# revision identifiers, used by Alembic.
revision = '0019_care'
down_revision = '0018_smart'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inspection_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.String(length=32), nullable=False),
    sa.Column('test_code', sa.String(length=40), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('taken', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_days')),
    sa.UniqueConstraint('institution_id', 'test_code', 'day', name=op.f('uq_inspection_days_institution_id_test_code_day'))
    )
    op.create_table('measurements',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('value2', sa.Float(), nullable=True),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('measured_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('device', sa.String(length=200), nullable=True),
    sa.Column('entered_by', sa.String(length=32), nullable=True),
    sa.Column('created_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measurements'))
    )
    with op.batch_alter_table('measurements', schema=None) as batch_op:
        batch_op.create_index('ix_measurements_patient_code_at', ['patient_id', 'code', 'measured_at'], unique=False)

    op.create_table('care_plans',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('doctor_id', sa.String(length=32), nullable=False),
    sa.Column('institution_id', sa.String(length=32), nullable=False),
    sa.Column('template', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('visit_every_days', sa.Integer(), nullable=False),
    sa.Column('thresholds', sa.Text(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('created_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['doctor_id'], ['doctors.id'], name=op.f('fk_care_plans_doctor_id_doctors')),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_care_plans_institution_id_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_plans'))
    )
    with op.batch_alter_table('care_plans', schema=None) as batch_op:
        batch_op.create_index('ix_care_plans_doctor_status', ['doctor_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_plans_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_plans_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index('uq_care_plans_active_template', ['patient_id', 'template'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.create_table('inspection_offers',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('institution_id', sa.String(length=32), nullable=False),
    sa.Column('test_code', sa.String(length=40), nullable=False),
    sa.Column('daily_capacity', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_inspection_offers_institution_id_institutions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_offers')),
    sa.UniqueConstraint('institution_id', 'test_code', name=op.f('uq_inspection_offers_institution_id_test_code'))
    )
    with op.batch_alter_table('inspection_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_offers_test_code'), ['test_code'], unique=False)

    op.create_table('inspection_orders',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('doctor_id', sa.String(length=32), nullable=False),
    sa.Column('test_code', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('institution_id', sa.String(length=32), nullable=True),
    sa.Column('booked_on', sa.Date(), nullable=True),
    sa.Column('conclusion', sa.Text(), nullable=True),
    sa.Column('abnormal', sa.Boolean(), nullable=True),
    sa.Column('reported_by', sa.String(length=32), nullable=True),
    sa.Column('created_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reported_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['doctor_id'], ['doctors.id'], name=op.f('fk_inspection_orders_doctor_id_doctors')),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_inspection_orders_institution_id_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_orders'))
    )
    with op.batch_alter_table('inspection_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_orders_doctor_id'), ['doctor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_orders_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index('ix_inspection_orders_patient_created', ['patient_id', 'created_at'], unique=False)

    op.create_table('nursing_nurses',
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('institution_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_nursing_nurses_institution_id_institutions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_nursing_nurses_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_nursing_nurses'))
    )
    with op.batch_alter_table('nursing_nurses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nursing_nurses_institution_id'), ['institution_id'], unique=False)

    op.create_table('nursing_orders',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('doctor_id', sa.String(length=32), nullable=False),
    sa.Column('service', sa.String(length=40), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('created_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_by', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['doctor_id'], ['doctors.id'], name=op.f('fk_nursing_orders_doctor_id_doctors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nursing_orders')),
    sa.UniqueConstraint('used_by', name=op.f('uq_nursing_orders_used_by'))
    )
    with op.batch_alter_table('nursing_orders', schema=None) as batch_op:
        batch_op.create_index('ix_nursing_orders_patient_service', ['patient_id', 'service'], unique=False)

    op.create_table('nursing_requests',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('service', sa.String(length=40), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('window_start', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('window_end', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('order_id', sa.String(length=32), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('institution_id', sa.String(length=32), nullable=False),
    sa.Column('distance_km', sa.Float(), nullable=False),
    sa.Column('created_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_nursing_requests_institution_id_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nursing_requests'))
    )
    with op.batch_alter_table('nursing_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nursing_requests_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index('ix_nursing_requests_patient_created', ['patient_id', 'created_at'], unique=False)

    op.create_table('care_plan_visits',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('plan_id', sa.String(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('invited_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('mode', sa.String(length=16), nullable=True),
    sa.Column('recheck_decision', sa.String(length=30), nullable=True),
    sa.Column('recheck_reasons', sa.Text(), nullable=True),
    sa.Column('rechecked_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['care_plans.id'], name=op.f('fk_care_plan_visits_plan_id_care_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_plan_visits')),
    sa.UniqueConstraint('plan_id', 'number', name=op.f('uq_care_plan_visits_plan_id_number'))
    )
    with op.batch_alter_table('care_plan_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_plan_visits_due_on'), ['due_on'], unique=False)

    op.create_table('inspection_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('display', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('low', sa.Float(), nullable=True),
    sa.Column('high', sa.Float(), nullable=True),
    sa.Column('flag', sa.String(length=2), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['inspection_orders.id'], name=op.f('fk_inspection_results_order_id_inspection_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_results')),
    sa.UniqueConstraint('order_id', 'position', name=op.f('uq_inspection_results_order_id_position'))
    )
    op.create_table('measurement_alerts',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('plan_id', sa.String(length=32), nullable=False),
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('measurement_id', sa.String(length=32), nullable=False),
    sa.Column('rule_id', sa.String(length=60), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=32), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['measurement_id'], ['measurements.id'], name=op.f('fk_measurement_alerts_measurement_id_measurements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['care_plans.id'], name=op.f('fk_measurement_alerts_plan_id_care_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measurement_alerts'))
    )
    with op.batch_alter_table('measurement_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_measurement_alerts_measurement_id'), ['measurement_id'], unique=False)
        batch_op.create_index('ix_measurement_alerts_patient_at', ['patient_id', 'created_at'], unique=False)
        batch_op.create_index('ix_measurement_alerts_plan_status', ['plan_id', 'status'], unique=False)

    op.create_table('nursing_visits',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('request_id', sa.String(length=32), nullable=False),
    sa.Column('nurse_user_id', sa.String(length=32), nullable=False),
    sa.Column('institution_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('checked_in_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('check_in_lat', sa.Float(), nullable=True),
    sa.Column('check_in_lon', sa.Float(), nullable=True),
    sa.Column('check_in_km', sa.Float(), nullable=True),
    sa.Column('checked_out_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('check_out_lat', sa.Float(), nullable=True),
    sa.Column('check_out_lon', sa.Float(), nullable=True),
    sa.Column('due_out_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('overdue_alerted_at', core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_nursing_visits_institution_id_institutions')),
    sa.ForeignKeyConstraint(['nurse_user_id'], ['users.id'], name=op.f('fk_nursing_visits_nurse_user_id_users')),
    sa.ForeignKeyConstraint(['request_id'], ['nursing_requests.id'], name=op.f('fk_nursing_visits_request_id_nursing_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nursing_visits')),
    sa.UniqueConstraint('request_id', name=op.f('uq_nursing_visits_request_id'))
    )
    with op.batch_alter_table('nursing_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nursing_visits_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nursing_visits_nurse_user_id'), ['nurse_user_id'], unique=False)
        batch_op.create_index('ix_nursing_visits_status_due', ['status', 'due_out_at'], unique=False)



def downgrade():
    with op.batch_alter_table('nursing_visits', schema=None) as batch_op:
        batch_op.drop_index('ix_nursing_visits_status_due')
        batch_op.drop_index(batch_op.f('ix_nursing_visits_nurse_user_id'))
        batch_op.drop_index(batch_op.f('ix_nursing_visits_institution_id'))

    op.drop_table('nursing_visits')
    with op.batch_alter_table('measurement_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_measurement_alerts_plan_status')
        batch_op.drop_index('ix_measurement_alerts_patient_at')
        batch_op.drop_index(batch_op.f('ix_measurement_alerts_measurement_id'))

    op.drop_table('measurement_alerts')
    op.drop_table('inspection_results')
    with op.batch_alter_table('care_plan_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_plan_visits_due_on'))

    op.drop_table('care_plan_visits')
    with op.batch_alter_table('nursing_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_nursing_requests_patient_created')
        batch_op.drop_index(batch_op.f('ix_nursing_requests_institution_id'))

    op.drop_table('nursing_requests')
    with op.batch_alter_table('nursing_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_nursing_orders_patient_service')

    op.drop_table('nursing_orders')
    with op.batch_alter_table('nursing_nurses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nursing_nurses_institution_id'))

    op.drop_table('nursing_nurses')
    with op.batch_alter_table('inspection_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_inspection_orders_patient_created')
        batch_op.drop_index(batch_op.f('ix_inspection_orders_institution_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_orders_doctor_id'))

    op.drop_table('inspection_orders')
    with op.batch_alter_table('inspection_offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_offers_test_code'))

    op.drop_table('inspection_offers')
    with op.batch_alter_table('care_plans', schema=None) as batch_op:
        batch_op.drop_index('uq_care_plans_active_template', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index(batch_op.f('ix_care_plans_patient_id'))
        batch_op.drop_index(batch_op.f('ix_care_plans_institution_id'))
        batch_op.drop_index('ix_care_plans_doctor_status')

    op.drop_table('care_plans')
    with op.batch_alter_table('measurements', schema=None) as batch_op:
        batch_op.drop_index('ix_measurements_patient_code_at')

    op.drop_table('measurements')
    op.drop_table('inspection_days')
