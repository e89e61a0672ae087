"""wechat: each WeChat push once, with its outcome (de-duplication of retries)

Revision ID: 0008_wechat
Revises: 0007_handoff
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_wechat'
down_revision = '0007_handoff'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('wechat_pushes',
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('open_id', sa.String(length=128), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('delivery', sa.String(length=16), nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_wechat_pushes'))
    )
    op.create_index('ix_wechat_pushes_open_id_received_at', 'wechat_pushes', ['open_id', 'received_at'])


def downgrade() -> None:
    op.drop_table('wechat_pushes')
