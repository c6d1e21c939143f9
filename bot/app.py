"""`bot.app:create_app()`: the web app as an ASGI factory, for servers other than
`flowbot serve` (`uvicorn --factory bot.app:create_app`, gunicorn with uvicorn workers).

Configuration comes from the environment and the config file, checked first: a setting that is
wrong stops the server with the list of problems, not a traceback. Jobs need a worker of their
own (`flowbot worker`).
"""

from __future__ import annotations

import sys

from fastapi import FastAPI

from bot.service import build_service
from bot.settings import SettingsError, load_settings
from bot.web.heap import freeze_start_up_heap


def create_app() -> FastAPI:
    """The webhook receiver and the operators' endpoints, configured from the environment."""
    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)  # the operator starting the server reads this
        raise SystemExit(2) from None
    app = build_service(settings).app
    freeze_start_up_heap()
    return app
