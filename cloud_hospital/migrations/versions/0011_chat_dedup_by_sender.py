"""consult_messages: a retry is recognised by the sender and their client_id, not by the client_id alone

Revision ID: 0011_chat_dedup_by_sender
Revises: 0010_login_known_addresses
Create Date: 2026-12-05 07:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011_chat_dedup_by_sender'
down_revision = '0010_login_known_addresses'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consult_messages', schema=None) as batch_op:
        batch_op.drop_constraint('uq_consult_messages_consultation_id_client_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_consult_messages_consultation_id_sender_user_id_client_id'),
                                          ['consultation_id', 'sender_user_id', 'client_id'])


def downgrade():
    # Two senders' messages may share a client_id by now: the narrower constraint could not be restored.
    with op.batch_alter_table('consult_messages', schema=None) as batch_op:
        batch_op.drop_constraint('uq_consult_messages_consultation_id_sender_user_id_client_id', type_='unique')
        batch_op.create_unique_constraint('uq_consult_messages_consultation_id_client_id',
                                          ['consultation_id', 'client_id'])
