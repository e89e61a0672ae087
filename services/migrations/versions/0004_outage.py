"""outage: repair tickets, their status history, planned outages and the streets they cover

outage_tickets.open_conversation_id and open_address_key are UNIQUE and set only while a
ticket is open: the guarantee that one conversation or one address has at most one open
ticket, even under concurrency (services/outage/models.py).

Revision ID: 0004_outage
Revises: 0003_identity_checks
Create Date: 2026-12-08
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_outage'
down_revision = '0003_identity_checks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outage_tickets',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('priority', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('address_raw', sa.String(length=200), nullable=False),
    sa.Column('province', sa.String(length=32), nullable=True),
    sa.Column('city', sa.String(length=32), nullable=True),
    sa.Column('district', sa.String(length=32), nullable=True),
    sa.Column('town', sa.String(length=32), nullable=True),
    sa.Column('street', sa.String(length=200), nullable=True),
    sa.Column('number', sa.String(length=16), nullable=True),
    sa.Column('building', sa.String(length=16), nullable=True),
    sa.Column('unit', sa.String(length=16), nullable=True),
    sa.Column('room', sa.String(length=16), nullable=True),
    sa.Column('address_rest', sa.String(length=200), nullable=True),
    sa.Column('address_key', sa.String(length=255), nullable=False),
    sa.Column('area_type', sa.String(length=8), nullable=False),
    sa.Column('contact_mobile', sa.String(length=16), nullable=False),
    sa.Column('conversation_id', sa.String(length=128), nullable=True),
    sa.Column('account_no', sa.String(length=10), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('cause', sa.String(length=200), nullable=True),
    sa.Column('expected_restore_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('open_conversation_id', sa.String(length=128), nullable=True),
    sa.Column('open_address_key', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outage_tickets')),
    sa.UniqueConstraint('code', name=op.f('uq_outage_tickets_code')),
    sa.UniqueConstraint('day', 'seq', name=op.f('uq_outage_tickets_day')),
    sa.UniqueConstraint('open_address_key', name=op.f('uq_outage_tickets_open_address_key')),
    sa.UniqueConstraint('open_conversation_id', name=op.f('uq_outage_tickets_open_conversation_id'))
    )
    with op.batch_alter_table('outage_tickets', schema=None) as batch_op:
        for column in ('status', 'district', 'street', 'address_key', 'conversation_id', 'account_no'):
            batch_op.create_index(batch_op.f(f'ix_outage_tickets_{column}'), [column], unique=False)

    op.create_table('outage_ticket_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['outage_tickets.id'], name=op.f('fk_outage_ticket_events_ticket_id_outage_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outage_ticket_events'))
    )
    with op.batch_alter_table('outage_ticket_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outage_ticket_events_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('planned_outages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('province', sa.String(length=32), nullable=True),
    sa.Column('city', sa.String(length=32), nullable=True),
    sa.Column('district', sa.String(length=32), nullable=True),
    sa.Column('area_name', sa.String(length=128), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.String(length=200), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planned_outages')),
    sa.UniqueConstraint('code', name=op.f('uq_planned_outages_code')),
    sa.UniqueConstraint('day', 'seq', name=op.f('uq_planned_outages_day'))
    )
    with op.batch_alter_table('planned_outages', schema=None) as batch_op:
        for column in ('district', 'starts_at', 'ends_at'):
            batch_op.create_index(batch_op.f(f'ix_planned_outages_{column}'), [column], unique=False)

    op.create_table('planned_outage_streets',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('planned_outage_id', sa.Integer(), nullable=False),
    sa.Column('street', sa.String(length=64), nullable=False),
    sa.Column('from_no', sa.Integer(), nullable=True),
    sa.Column('to_no', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['planned_outage_id'], ['planned_outages.id'], name=op.f('fk_planned_outage_streets_planned_outage_id_planned_outages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planned_outage_streets'))
    )
    with op.batch_alter_table('planned_outage_streets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_planned_outage_streets_planned_outage_id'), ['planned_outage_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_planned_outage_streets_street'), ['street'], unique=False)


def downgrade() -> None:
    op.drop_table('planned_outage_streets')
    op.drop_table('planned_outages')
    op.drop_table('outage_ticket_events')
    op.drop_table('outage_tickets')
