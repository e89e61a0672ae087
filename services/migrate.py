"""`python -m services.migrate`: create or upgrade the services' database."""
from services.db import migrate
from services.settings import get_settings

if __name__ == "__main__":
    settings = get_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.database_url)
    print("database migrated")
