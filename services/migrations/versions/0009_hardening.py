"""hardening: shared rate-limit counters, and idempotency keys per account for 24 h

* ``rate_limits``: hits per (hashed key, fixed window), read by services/ratelimit.py in
  every gateway and services process, so a limit holds however many processes run.
* ``identity_checks`` loses its foreign key to ``accounts``: a 户号 that does not exist is
  counted and locked like one that does, so the identity check reveals no 户号.
* ``idempotency_keys``: a payment's key is reserved here (primary key = account + key)
  before the payment is taken and kept 24 h; a second request with the key while the
  first is still running gets 409.  The reservation, not ``payments``, is now what makes
  a key charge once, so ``payments.idempotency_key`` loses its global UNIQUE (a key may
  come back after 24 h, and another account may use the same key) for a plain index.

Revision ID: 0009_hardening
Revises: 0008_wechat
Create Date: 2026-12-03
"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa


revision = '0009_hardening'
down_revision = '0008_wechat'
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
    op.create_table('idempotency_keys',
    sa.Column('account_no', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('owner', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_no'], ['accounts.account_no'], name=op.f('fk_idempotency_keys_account_no_accounts')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_idempotency_keys_payment_id_payments')),
    sa.PrimaryKeyConstraint('account_no', 'key', name=op.f('pk_idempotency_keys'))
    )
    _reserve_recent_payments()
    with op.batch_alter_table('payments') as batch:
        batch.drop_constraint('uq_payments_idempotency_key', type_='unique')
        batch.create_index('ix_payments_account_no_idempotency_key', ['account_no', 'idempotency_key'])
    # A 户号 that does not exist gets its own count and lock too (no oracle for strangers).
    with op.batch_alter_table('identity_checks') as batch:
        batch.drop_constraint('fk_identity_checks_account_no_accounts', type_='foreignkey')


def _reserve_recent_payments() -> None:
    """Keys of the payments of the last 24 h keep answering with their payment."""
    from services import clock

    now = clock.utcnow()
    payments = sa.table('payments', sa.column('id'), sa.column('account_no'), sa.column('idempotency_key'),
                        sa.column('request_hash'), sa.column('created_at', sa.DateTime(timezone=True)))
    keys = sa.table('idempotency_keys', *(sa.column(c) for c in (
        'account_no', 'key', 'request_hash', 'owner', 'state', 'payment_id')),
        sa.column('created_at', sa.DateTime(timezone=True)), sa.column('expires_at', sa.DateTime(timezone=True)))
    recent = op.get_bind().execute(sa.select(payments).where(payments.c.created_at > now - timedelta(hours=24))).all()
    rows = [{'account_no': p.account_no, 'key': p.idempotency_key, 'request_hash': p.request_hash,
             'owner': 'migrated', 'state': 'done', 'payment_id': p.id, 'created_at': p.created_at,
             'expires_at': p.created_at + timedelta(hours=24)} for p in recent]
    if rows:
        op.bulk_insert(keys, rows)


def downgrade() -> None:
    op.execute("DELETE FROM identity_checks WHERE account_no NOT IN (SELECT account_no FROM accounts)")
    with op.batch_alter_table('identity_checks') as batch:
        batch.create_foreign_key('fk_identity_checks_account_no_accounts', 'accounts', ['account_no'], ['account_no'])
    with op.batch_alter_table('payments') as batch:
        batch.drop_index('ix_payments_account_no_idempotency_key')
        batch.create_unique_constraint('uq_payments_idempotency_key', ['idempotency_key'])
    op.drop_table('idempotency_keys')
    op.drop_index(op.f('ix_rate_limits_expires_at'), table_name='rate_limits')
    op.drop_table('rate_limits')
