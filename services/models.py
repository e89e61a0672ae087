"""One place that imports every service's models, so Alembic and tests see all tables."""


def import_all_models() -> None:
    import services.billing.models  # noqa: F401
    import services.conversations.models  # noqa: F401
    import services.outage.models  # noqa: F401
    import services.outbox.models  # noqa: F401
    import services.voice.models  # noqa: F401
    import services.wechat.models  # noqa: F401
    import handoff.models  # noqa: F401
    import services.ratelimit  # noqa: F401  (the rate_limits table)
