"""hardening: shared rate-limit counters, and idempotency keys per account for 24 h

* ``rate_limits``: hits per (hashed key, fixed window), read by services/ratelimit.py in
  every gateway and services process, so a limit holds however many processes run.
* ``idempotency_keys``: a payment's key is reserved here (primary key = account + key)
  before the payment is taken and kept 24 h; a second request with the key while the
  first is still running gets 409.  The reservation, not ``payments``, is now what makes
  a key charge once, so ``payments.idempotency_key`` loses its global UNIQUE (a key may
  come back after 24 h, and another account may use the same key) for a plain index.

Revision ID: 0009_hardening
Revises: 0006_outbox
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_hardening'
down_revision = '0006_outbox'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_limits',
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('window_no', sa.BigInteger(), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key_hash', 'window_no', name=op.f('pk_rate_limits'))
    )
    op.create_index(op.f('ix_rate_limits_expires_at'), 'rate_limits', ['expires_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_rate_limits_expires_at'), table_name='rate_limits')
    op.drop_table('rate_limits')
