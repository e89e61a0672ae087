"""`python -m actions.server`: rasa-sdk's action server, answering only Rasa.

rasa-sdk's own server runs any action for whoever can reach its port, with any
tracker the caller sends (a forged ``verified_account`` included).  This entry point
builds the same Sanic app (``rasa_sdk.endpoint.create_app``) and adds one request
hook: ``/webhook`` needs ``Authorization: Bearer <settings.action_token>``, which
only the Rasa server has (scripts/stack.py writes it into Rasa's endpoints).
``/health`` stays open for the health checks.
"""
from __future__ import annotations

import argparse
import hmac
import logging
import os
from functools import partial

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.request import Request
from sanic.worker.loader import AppLoader

from services import logsafe
from services.secret_files import refuse_dev_secrets
from services.settings import get_settings

log = logging.getLogger("powerdesk.actions")
OPEN_PATHS = {"/health"}


def is_from_rasa(request: Request) -> bool:
    """The request carries the shared secret (compared in constant time)."""
    expected = f"Bearer {get_settings().action_token}".encode()
    return hmac.compare_digest((request.headers.get("authorization") or "").encode(), expected)


def create_authenticated_app(actions_package: str) -> Sanic:
    """The rasa-sdk app for ``actions_package``, refusing unauthenticated calls with 401."""
    executor = ActionExecutor()
    executor.register_package(actions_package)
    app = create_app(executor)
    logsafe.install()  # in the worker process too, after Sanic added its handlers

    @app.on_request
    async def require_shared_secret(request: Request):
        if request.path not in OPEN_PATHS and not is_from_rasa(request):
            log.warning("refused an unauthenticated call to %s", request.path)
            return response.json({"error": "unauthorized"}, status=401)
        return None

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", default="actions")
    parser.add_argument("-p", "--port", type=int, default=5055)
    args = parser.parse_args()
    logsafe.install()  # one escaped line per record: customers' words cannot forge log lines
    refuse_dev_secrets(get_settings(), os.environ.get("SANIC_HOST", "127.0.0.1"))
    loader = AppLoader(factory=partial(create_authenticated_app, args.actions))
    app = loader.load()
    app.prepare(host=os.environ.get("SANIC_HOST", "127.0.0.1"), port=args.port, workers=1, access_log=False)
    Sanic.serve(primary=app, app_loader=loader)


if __name__ == "__main__":
    main()
