"""`flowbot db upgrade`: bring the app's and the runtime's stores to their newest migration.

Every process that opens a store upgrades it too, under a lock, so this command is optional: it
lets an operator upgrade ahead of a start, see what ran, and stop on a failure before any
server or runner starts.
"""

from __future__ import annotations

import enum
from typing import Annotated

import typer
from sqlalchemy.exc import OperationalError

from bot.cli.errors import fail
from bot.cli.translation import message_of
from bot.settings import SettingsError, load_process_settings
from bot.store import upgrade_app_store
from connectors.core.redaction import first_line
from flowkit.runtime.database_url import checked_database_url
from flowkit.runtime.schema import upgrade
from flowkit.runtime.store import HISTORY as RUNTIME_HISTORY

app = typer.Typer(help="The stores' schemas: upgrade them to this version of flowbot.",
                  no_args_is_help=True)


class Store(enum.StrEnum):
    """Which store to upgrade."""

    APP = "app"
    RUNTIME = "runtime"


OPTIONS = {Store.APP: "--database", Store.RUNTIME: "--runtime-database"}
VARIABLES = {Store.APP: "FLOWBOT_DATABASE_URL", Store.RUNTIME: "FLOWBOT_RUNTIME_DATABASE_URL"}
"""Where each store's URL came from, named in what a mistake says."""


def _step(line: str) -> None:
    typer.echo(f"  applying {line}")


@app.command("upgrade")
def upgrade_stores(
        database: Annotated[str | None, typer.Option(
            help="SQLAlchemy URL of the app's store (default: FLOWBOT_DATABASE_URL, else "
                 "SQLite in FLOWBOT_DATA_DIR, as `flowbot serve` uses).")] = None,
        runtime_database: Annotated[str | None, typer.Option(
            help="SQLAlchemy URL of the runtime's store (default: "
                 "FLOWBOT_RUNTIME_DATABASE_URL, else SQLite in FLOWBOT_DATA_DIR, as "
                 "`flowbot runner` uses).")] = None,
        only: Annotated[Store | None, typer.Option(
            help="Upgrade this store only (default: both, the app's first).")] = None,
) -> None:
    """Apply the migrations each store lacks, one line per migration; a store already current
    is left as it is. A store made before flowbot had migrations is recognised from its tables
    and upgraded from there. Safe while other processes start: they wait for it."""
    wanted = [store for store in Store if only in (None, store)]
    urls = {Store.APP: database, Store.RUNTIME: runtime_database}
    if any(urls[store] is None for store in wanted):
        try:
            settings = load_process_settings()
        except SettingsError as error:
            fail(f"{message_of(error)}; or name the stores with --database and "
                 "--runtime-database")
        urls = {Store.APP: database or settings.database,
                Store.RUNTIME: runtime_database or settings.runtime_database}
    for store in wanted:
        url = urls[store]
        assert url is not None
        setting = (OPTIONS[store] if (database, runtime_database)[store is Store.RUNTIME]
                   else VARIABLES[store])
        typer.echo(f"{store} store: checking")
        try:
            checked_database_url(url, setting=setting)
            done = (upgrade_app_store(url, _step) if store is Store.APP
                    else upgrade(url, RUNTIME_HISTORY, _step))
        except OperationalError as error:
            fail(f"cannot use the {store} store's database "
                 f"({first_line(error.orig or error)}): check that it runs and that {setting} "
                 "points at it")
        typer.echo(done.describe())
