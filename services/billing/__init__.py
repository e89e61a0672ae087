"""Billing (issue 3): accounts, meter readings, bills, payments and the tariff engine.

Read top-down:

* ``tariffs/*.yml`` — one price table per province, each naming its source.
* ``tariff.py``     — pure functions: load a table, compute a month's bill (tiers, TOU, 分).
* ``late_fee.py``   — the late fee on an overdue bill.
* ``models.py``     — the tables (migrations: services/migrations/versions/0002_billing.py, 0003_identity_checks.py).
* ``service.py``    — queries the dialogue needs: account summary, bills, tariff
                      overview, cost estimate.  No HTTP.
* ``identity.py``   — the identity check (last four digits of the mobile), with failures
                      counted per account and a lock that grows.  No HTTP.
* ``limits.py``     — the per-payment limits (also checked by the dialogue).
* ``payments.py``   — taking a payment exactly once per idempotency key.  No HTTP.
* ``schemas.py``    — the answers' typed models: the routes' response models, and what
                      the action server's client parses them into.
* ``api.py``        — the thin HTTP router (mounted at /billing on the services' internal port).
* ``seed.py``       — deterministic demo data; ``demo_accounts.yml`` lists accounts to try.
"""
