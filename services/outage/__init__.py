"""Outages (issue 12): repair tickets from customers' reports, and planned outages.

Read top-down:

* ``address.py``   — addresses normalized (jionlp for province/city/district, then street,
                     number, building, unit, room) so that two writings of one place match.
* ``models.py``    — the tables (migrations 0004_outage, 0011_outage_notify).
* ``promise.py``   — the average arrival time promised by area type, with its source.
* ``codes.py``     — readable ids: QX20261123-0042 (tickets), JH20261125-0003 (planned).
* ``tickets.py``   — opening a ticket, its status path and history, finding open faults.  No HTTP.
* ``planned.py``   — announcing, cancelling and finding planned outages.  No HTTP.
* ``reports.py``   — a customer's report: an existing ticket, a planned outage, a known
                     fault, or a new ticket; idempotent under concurrency.  No HTTP.
* ``notify.py``    — customers waiting to be told that power is back: stored once, one
                     outbox notice each when the outage ends or the fault is restored.
* ``contact.py``   — the verified account's address and masked mobile, offered in the form.
* ``schemas.py``   — the typed, masked answers the service hands out, the API returns and
                     the action server parses (one contract for both sides).
* ``times.py``     — stored in UTC, shown in China time.
* ``api.py``       — the thin HTTP router (mounted at /outage in services/app.py).
* ``seed.py``      — demo outages around the clock's now, on the demo accounts' addresses.
* ``address_benchmark.py`` with ``address_examples.tsv`` — jionlp vs cpca on the project's
                     addresses (reports/address.md).
"""
