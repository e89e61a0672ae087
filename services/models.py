"""One place that imports every service's models, so Alembic and tests see all tables."""


def import_all_models() -> None:
    import services.conversations.models  # noqa: F401
    try:
        import services.billing.models  # noqa: F401
    except ModuleNotFoundError:  # billing lands in its own change
        pass
