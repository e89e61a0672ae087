"""conversations become records of their own: the channel's user, activity, end

A conversation's id (column ``sender_id``, the id Rasa knows it by) is now issued by
the gateway; the channel's user (a web session, a WeChat OpenID, a call) is a column
of its own, so one user has a new conversation after an inactivity timeout.  Rows
from before keep their id as the channel user id.  ``last_buttons`` keeps the choices
of the bot's last reply, so a channel without buttons (WeChat) can answer "2"; ``account_no`` is the 户号
verified in the conversation (who the customer is, for agents).

Revision ID: 0005_conversation_records
Revises: 0004_outage
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_conversation_records'
down_revision = '0004_outage'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('conversations') as batch:
        batch.add_column(sa.Column('channel_user_id', sa.String(length=128), nullable=True))
        batch.add_column(sa.Column('last_activity_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('end_reason', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('last_buttons', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('account_no', sa.String(length=10), nullable=True))
    op.execute("UPDATE conversations SET channel_user_id = sender_id, last_activity_at = updated_at")
    with op.batch_alter_table('conversations') as batch:
        batch.alter_column('channel_user_id', existing_type=sa.String(length=128), nullable=False)
        batch.alter_column('last_activity_at', existing_type=sa.DateTime(timezone=True), nullable=False)
    op.create_index(op.f('ix_conversations_channel_user'), 'conversations', ['channel', 'channel_user_id'])
    op.create_index(op.f('ix_conversations_account_no'), 'conversations', ['account_no'])


def downgrade() -> None:
    op.drop_index(op.f('ix_conversations_account_no'), table_name='conversations')
    op.drop_index(op.f('ix_conversations_channel_user'), table_name='conversations')
    with op.batch_alter_table('conversations') as batch:
        for column in ('account_no', 'last_buttons', 'end_reason', 'ended_at', 'last_activity_at', 'channel_user_id'):
            batch.drop_column(column)
