"""outbox: messages that are not the answer to a request, until delivered

An agent's reply, a late WeChat reply, a notice: each is a row here first, then a
channel sender delivers it (at least once; the receiver de-duplicates by id).

Revision ID: 0006_outbox
Revises: 0005_conversation_records
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_outbox'
down_revision = '0005_conversation_records'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('conversation_id', sa.String(length=128), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('channel_user_id', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('buttons', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.sender_id'], name=op.f('fk_outbox_conversation_id_conversations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    op.create_index(op.f('ix_outbox_status_next_attempt_at'), 'outbox', ['status', 'next_attempt_at'])
    op.create_index(op.f('ix_outbox_channel_user'), 'outbox', ['channel', 'channel_user_id'])


def downgrade() -> None:
    op.drop_table('outbox')
