"""voice: per-call state of the voice channel, shared by every gateway process

Revision ID: 0010_voice
Revises: 0009_hardening
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_voice'
down_revision = '0009_hardening'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('voice_calls',
    sa.Column('call_id', sa.String(length=128), nullable=False),
    sa.Column('caller', sa.String(length=32), nullable=True),
    sa.Column('called', sa.String(length=32), nullable=True),
    sa.Column('conversation_id', sa.String(length=128), nullable=False),
    sa.Column('caller_accounts', sa.JSON(), nullable=True),
    sa.Column('no_input_count', sa.Integer(), nullable=False),
    sa.Column('pending_chunks', sa.JSON(), nullable=True),
    sa.Column('last_prompt', sa.Text(), nullable=True),
    sa.Column('expect', sa.JSON(), nullable=True),
    sa.Column('requested_slot', sa.String(length=64), nullable=True),
    sa.Column('last_event_id', sa.String(length=128), nullable=True),
    sa.Column('last_reply', sa.JSON(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.sender_id'], name=op.f('fk_voice_calls_conversation_id_conversations')),
    sa.PrimaryKeyConstraint('call_id', name=op.f('pk_voice_calls'))
    )


def downgrade() -> None:
    op.drop_table('voice_calls')
