"""billing: tariff plans, customers, accounts, meter readings, bills, payments

Money columns are NUMERIC(12, 2); payments.idempotency_key is UNIQUE (the guarantee
that one key charges once, even under concurrency).

Revision ID: 0002_billing
Revises: 0001_conversations
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_billing'
down_revision = '0001_conversations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('mobile', sa.String(length=16), nullable=False),
    sa.Column('id_number_masked', sa.String(length=24), nullable=False),
    sa.Column('address', sa.String(length=128), nullable=False),
    sa.Column('segment', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers'))
    )
    op.create_table('tariff_plans',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('province', sa.String(length=32), nullable=False),
    sa.Column('name_zh', sa.String(length=64), nullable=False),
    sa.Column('cycle', sa.String(length=8), nullable=False),
    sa.Column('time_of_use', sa.Boolean(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_tariff_plans'))
    )
    op.create_table('accounts',
    sa.Column('account_no', sa.String(length=10), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('province', sa.String(length=32), nullable=False),
    sa.Column('tariff_plan', sa.String(length=32), nullable=False),
    sa.Column('billing_mode', sa.String(length=8), nullable=False),
    sa.Column('balance', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_accounts_customer_id_customers')),
    sa.ForeignKeyConstraint(['tariff_plan'], ['tariff_plans.code'], name=op.f('fk_accounts_tariff_plan_tariff_plans')),
    sa.PrimaryKeyConstraint('account_no', name=op.f('pk_accounts'))
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accounts_customer_id'), ['customer_id'], unique=False)

    op.create_table('bills',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('account_no', sa.String(length=10), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('tier1_kwh', sa.Integer(), nullable=False),
    sa.Column('tier2_kwh', sa.Integer(), nullable=False),
    sa.Column('tier3_kwh', sa.Integer(), nullable=False),
    sa.Column('tier1_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('tier2_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('tier3_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('peak_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('flat_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('valley_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('total_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('paid', sa.Boolean(), nullable=False),
    sa.Column('paid_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('late_fee', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['account_no'], ['accounts.account_no'], name=op.f('fk_bills_account_no_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bills')),
    sa.UniqueConstraint('account_no', 'period', name=op.f('uq_bills_account_no'))
    )
    with op.batch_alter_table('bills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bills_paid'), ['paid'], unique=False)

    op.create_table('meter_readings',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('account_no', sa.String(length=10), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('peak_kwh', sa.Integer(), nullable=False),
    sa.Column('flat_kwh', sa.Integer(), nullable=False),
    sa.Column('valley_kwh', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_no'], ['accounts.account_no'], name=op.f('fk_meter_readings_account_no_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meter_readings')),
    sa.UniqueConstraint('account_no', 'period', name=op.f('uq_meter_readings_account_no'))
    )
    op.create_table('payments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('account_no', sa.String(length=10), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('balance_after', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_no'], ['accounts.account_no'], name=op.f('fk_payments_account_no_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_payments_idempotency_key'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_account_no'), ['account_no'], unique=False)

    op.create_table('payment_allocations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('bill_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['bill_id'], ['bills.id'], name=op.f('fk_payment_allocations_bill_id_bills')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_payment_allocations_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_allocations'))
    )
    with op.batch_alter_table('payment_allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_allocations_payment_id'), ['payment_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('payment_allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_allocations_payment_id'))

    op.drop_table('payment_allocations')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_account_no'))

    op.drop_table('payments')
    op.drop_table('meter_readings')
    with op.batch_alter_table('bills', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bills_paid'))

    op.drop_table('bills')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accounts_customer_id'))

    op.drop_table('accounts')
    op.drop_table('tariff_plans')
    op.drop_table('customers')
