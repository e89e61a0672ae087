"""outage_notify: customers waiting to be told that power is restored

Revision ID: 0011_outage_notify
Revises: 0010_voice
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_outage_notify'
down_revision = '0010_voice'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outage_restore_notices',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('conversation_id', sa.String(length=128), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('channel_user_id', sa.String(length=128), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('planned_outage_id', sa.Integer(), nullable=True),
    sa.Column('contact_masked', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outbox_message_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(ticket_id IS NULL) <> (planned_outage_id IS NULL)', name=op.f('ck_outage_restore_notices_one_subject')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.sender_id'], name=op.f('fk_outage_restore_notices_conversation_id_conversations')),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox.id'], name=op.f('fk_outage_restore_notices_outbox_message_id_outbox')),
    sa.ForeignKeyConstraint(['planned_outage_id'], ['planned_outages.id'], name=op.f('fk_outage_restore_notices_planned_outage_id_planned_outages')),
    sa.ForeignKeyConstraint(['ticket_id'], ['outage_tickets.id'], name=op.f('fk_outage_restore_notices_ticket_id_outage_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outage_restore_notices')),
    sa.UniqueConstraint('conversation_id', 'planned_outage_id', name='uq_outage_restore_notices_conversation_planned'),
    sa.UniqueConstraint('conversation_id', 'ticket_id', name='uq_outage_restore_notices_conversation_ticket')
    )
    op.create_index(op.f('ix_outage_restore_notices_conversation_id'), 'outage_restore_notices', ['conversation_id'], unique=False)
    op.create_index(op.f('ix_outage_restore_notices_planned_outage_id'), 'outage_restore_notices', ['planned_outage_id'], unique=False)
    op.create_index(op.f('ix_outage_restore_notices_ticket_id'), 'outage_restore_notices', ['ticket_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_outage_restore_notices_ticket_id'), table_name='outage_restore_notices')
    op.drop_index(op.f('ix_outage_restore_notices_planned_outage_id'), table_name='outage_restore_notices')
    op.drop_index(op.f('ix_outage_restore_notices_conversation_id'), table_name='outage_restore_notices')
    op.drop_table('outage_restore_notices')
