"""Billing: accounts, meter readings, bills, payments and the tariff engine (issue 3)."""
