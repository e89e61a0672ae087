"""identity_checks: wrong answers to the identity check per account, and its lock

One row per account (primary key = foreign key to accounts), created on the account's
first check, so the count survives a new conversation.

Revision ID: 0003_identity_checks
Revises: 0002_billing
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_identity_checks'
down_revision = '0002_billing'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('identity_checks',
    sa.Column('account_no', sa.String(length=10), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('lock_count', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_no'], ['accounts.account_no'], name=op.f('fk_identity_checks_account_no_accounts')),
    sa.PrimaryKeyConstraint('account_no', name=op.f('pk_identity_checks'))
    )


def downgrade() -> None:
    op.drop_table('identity_checks')
