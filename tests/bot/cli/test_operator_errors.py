"""An operator's mistake is one line on stderr that says what to do, and exit 2 — never a
traceback, and never exit 1, which `run` and `validate` keep for "ran, and something failed"."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.doubles.github import GitHubSimulator
from connectors.core.serving import serve_on_loopback
from connectors.hubspot.simulator import HubSpotSimulator
from connectors.shopify.simulator import ShopifySimulator
from tests.bot.cli.conftest import Flowbot
from tests.runtime.support import write_secrets
from tests.support.ports import free_loopback_port as free_port

PROJECT = Path(__file__).resolve().parents[3]


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize(("url", "said"), [
    ("not a url", "flowbot: FLOWBOT_DATABASE_URL is not a database URL; use sqlite:///"),
    ("mysql://u:hunter2@db/flowbot", "flowbot: FLOWBOT_DATABASE_URL names the database "
                                     "'mysql'; flowbot stores in SQLite or PostgreSQL"),
    ("postgresql+psycopg2://u:hunter2@db/flowbot", "names the driver 'postgresql+psycopg2'"),
    ("sqlite:///", "flowbot: FLOWBOT_DATABASE_URL names SQLite in memory, not a file"),
    ("sqlite:///:memory:", "flowbot: FLOWBOT_DATABASE_URL names SQLite in memory, not a file"),
])
def test_a_database_url_flowbot_cannot_use(flowbot: Flowbot, url: str, said: str) -> None:
    result = flowbot("failures", "list", env={"FLOWBOT_DATABASE_URL": url})

    assert result.returncode == 2
    line = _one_line(result.stderr)
    assert said in line
    assert "hunter2" not in line


def test_a_database_that_does_not_answer(flowbot: Flowbot) -> None:
    url = f"postgresql://flowbot:hunter2@127.0.0.1:{free_port()}/flowbot"

    result = flowbot("failures", "list", env={"FLOWBOT_DATABASE_URL": url})

    assert result.returncode == 2
    line = _one_line(result.stderr)
    assert line.startswith("flowbot: cannot use the runtime's store (")
    assert line.endswith("check that it runs and that FLOWBOT_DATABASE_URL points at it")
    assert "hunter2" not in line


def test_settings_that_cannot_start_the_app(flowbot: Flowbot, tmp_path: Path) -> None:
    result = flowbot("serve", env={"GITHUB_APP_ID": "0"})

    assert result.returncode == 2
    line = _one_line(result.stderr)
    assert line.startswith("flowbot: cannot start: ")
    assert "GITHUB_APP_ID: Input should be greater than 0" in line
    assert "GITHUB_WEBHOOK_SECRET: Field required" in line  # every problem, on one line
    assert line.endswith("; settings: set exactly one of GITHUB_PRIVATE_KEY (the PEM text) and "
                         "GITHUB_PRIVATE_KEY_PATH (a file holding it)")  # the key's too


@pytest.mark.parametrize("command", [["runner", "start"], ["runner", "run", "orders"],
                                     ["runner", "refresh"]])
def test_settings_that_cannot_start_the_runner(flowbot: Flowbot, command: list[str]) -> None:
    result = flowbot(*command, env={"GITHUB_APP_ID": "0", "FLOWBOT_RUNNER_POLL": "hourly"})

    assert result.returncode == 2
    line = _one_line(result.stderr)
    assert line.startswith("flowbot: cannot start: ")
    assert "GITHUB_APP_ID: Input should be greater than 0" in line
    assert "FLOWBOT_RUNNER_POLL: 'hourly' is neither five-field cron" in line


def test_a_runner_without_its_repository(flowbot: Flowbot, app_key: str) -> None:
    settings = {"GITHUB_APP_ID": "1", "GITHUB_WEBHOOK_SECRET": "s", "GITHUB_PRIVATE_KEY": app_key}

    result = flowbot("runner", "start", env=settings)

    assert result.returncode == 2
    assert _one_line(result.stderr) == ("flowbot: cannot start: set FLOWBOT_RUNNER_REPOSITORY "
                                        "to the owner/name whose flows to run")


def test_a_runner_on_a_repository_the_app_is_not_installed_on(
        flowbot: Flowbot, github: GitHubSimulator, app_key: str) -> None:
    settings = {"GITHUB_APP_ID": str(github.world.app_id), "GITHUB_WEBHOOK_SECRET": "s",
                "GITHUB_PRIVATE_KEY": app_key, "GITHUB_API_URL": github.base_url,
                "FLOWBOT_RUNNER_REPOSITORY": "acme/elsewhere"}

    result = flowbot("runner", "start", env=settings)

    assert result.returncode == 2
    assert _one_line(result.stderr) == (
        "flowbot: the GitHub App is not installed on acme/elsewhere (FLOWBOT_RUNNER_REPOSITORY), "
        "or that repository does not exist: check the name, and install the app on it from "
        "its page on GitHub")


@pytest.mark.parametrize(("content", "said"), [
    (None, "cannot read {path} (No such file or directory)"),
    ("GITHUB_APP_ID: [1\n", "{path}:2:1 is not valid YAML (expected ',' or ']'"),
])
def test_a_config_file_that_cannot_be_read(flowbot: Flowbot, tmp_path: Path,
                                           content: str | None, said: str) -> None:
    path = tmp_path / "flowbot.yml"
    if content is not None:
        path.write_text(content)

    result = flowbot("worker", env={"FLOWBOT_CONFIG": str(path)})

    assert result.returncode == 2
    assert _one_line(result.stderr).startswith(
        "flowbot: FLOWBOT_CONFIG: " + said.format(path=path))
    assert not result.stderr.endswith(" \n")


def test_a_flow_that_does_not_exist_leaves_stdout_to_json(flowbot: Flowbot,
                                                          tmp_path: Path) -> None:
    (tmp_path / "flows").mkdir()

    result = flowbot("run", "nope", "--json")

    assert result.returncode == 2
    assert result.stdout == ""
    assert _one_line(result.stderr) == (f"flowbot: cannot run nope: no flow called nope under "
                                        f"{tmp_path / 'flows'}; the flows are: (none)")


def test_github_unreachable(flowbot: Flowbot) -> None:
    result = flowbot("init", "repo", "--repo", "acme/integrations", "--token", "t",
                     env={"GITHUB_API_URL": f"http://127.0.0.1:{free_port()}"})

    assert result.returncode == 2
    line = _one_line(result.stderr)
    assert line.startswith("flowbot: cannot reach GitHub (")
    assert line.endswith("check the network, any proxy, and GITHUB_API_URL (set for GitHub "
                         "Enterprise Server only)")


def test_a_repository_that_does_not_exist(flowbot: Flowbot, github: GitHubSimulator) -> None:
    token, _ = github.world.mint_token()

    result = flowbot("init", "repo", "--repo", "acme/missing",
                     env={"GITHUB_TOKEN": token, "GITHUB_API_URL": github.base_url})

    assert result.returncode == 2
    assert _one_line(result.stderr).startswith(
        f"flowbot: GitHub answered 404 to GET {github.base_url}/repos/acme/missing: the "
        "repository (or issue) does not exist or the token cannot see it; check --repo")


@pytest.mark.parametrize("repo", ["acme", "acme/integrations/x", "https://github.com/a/b"])
def test_a_repo_option_that_is_not_owner_slash_name(flowbot: Flowbot, repo: str) -> None:
    result = flowbot("init", "repo", "--repo", repo, "--token", "t")

    assert result.returncode == 2
    assert _one_line(result.stderr) == (f"flowbot: --repo must be owner/name (like "
                                        f"octo-org/integrations), not {repo!r}")


def test_init_with_a_repo_and_no_token(flowbot: Flowbot) -> None:
    result = flowbot("init", "repo", "--repo", "acme/integrations")

    assert result.returncode == 2
    assert _one_line(result.stderr) == ("flowbot: --repo needs a token to create labels: pass "
                                        "--token or set GITHUB_TOKEN")


def test_version(flowbot: Flowbot) -> None:
    result = flowbot("--version")

    assert (result.returncode, result.stdout) == (0, "flowbot 0.1.0\n")


def test_failures_report_with_a_repo_that_is_not_owner_slash_name(flowbot: Flowbot) -> None:
    result = flowbot("failures", "report", "1", "--repo", "acme")

    assert result.returncode == 2
    assert _one_line(result.stderr) == ("flowbot: --repo must be owner/name (like "
                                        "octo-org/integrations), not 'acme'")


def test_a_run_whose_source_cannot_be_read_exits_2(flowbot: Flowbot, tmp_path: Path) -> None:
    shop, crm = ShopifySimulator(), HubSpotSimulator()
    with serve_on_loopback(shop.app) as shop_url, serve_on_loopback(crm.app) as crm_url:
        revoked = shop.settings(shop_url).model_copy(
            update={"access_token": SecretStr("shpat_revoked")})
        secrets = write_secrets(tmp_path / "secrets.yaml", shopify=revoked,
                                hubspot=crm.settings(crm_url))

        result = flowbot("run", "shopify-orders-to-hubspot-deals", "--root", str(PROJECT),
                         "--secrets", str(secrets),
                         "--database", f"sqlite:///{tmp_path / 'runtime.sqlite3'}")

    assert result.returncode == 2  # could not run, not "some packets failed"
    line = _one_line(result.stderr)
    assert line.startswith("flowbot: run failed: shopify-orders-to-hubspot-deals: the run "
                           "stopped (")  # the shop answered 401 to the first page
    assert line.endswith("the ledger skips what was delivered")
    assert "shpat_revoked" not in line
    assert crm.stats.writes == {}


@pytest.mark.parametrize(("command", "given", "named"), [
    (["runs", "list"], {"FLOWBOT_RUNTIME_DATABASE_URL": "not a url",
                        "FLOWBOT_DATABASE_URL": "sqlite:///app.sqlite3"},
     "FLOWBOT_RUNTIME_DATABASE_URL"),
    (["failures", "list"], {"FLOWBOT_RUNTIME_DATABASE_URL": "not a url"},
     "FLOWBOT_RUNTIME_DATABASE_URL"),
    (["failures", "list", "--database", "not a url"], {"FLOWBOT_DATABASE_URL": "not a url"},
     "--database"),
    (["run", "shopify-orders-to-hubspot-deals", "--simulate", "--root", str(PROJECT)],
     {"FLOWBOT_RUNTIME_DATABASE_URL": "not a url"}, "FLOWBOT_RUNTIME_DATABASE_URL"),
])
def test_a_runtime_store_url_mistake_names_where_the_url_came_from(
        flowbot: Flowbot, command: list[str], given: dict[str, str], named: str) -> None:
    result = flowbot(*command, env=given)

    assert result.returncode == 2
    assert _one_line(result.stderr).startswith(f"flowbot: {named} is not a database URL; use ")


@pytest.mark.parametrize("command", [["runs", "list"], ["failures", "show", "1"]])
def test_a_runtime_store_that_does_not_answer_names_its_variable(flowbot: Flowbot,
                                                                 command: list[str]) -> None:
    url = f"postgresql://flowbot:hunter2@127.0.0.1:{free_port()}/flowbot"

    result = flowbot(*command, env={"FLOWBOT_RUNTIME_DATABASE_URL": url})

    assert result.returncode == 2
    line = _one_line(result.stderr)
    assert line.startswith("flowbot: cannot use the runtime's store (")
    assert line.endswith("check that it runs and that FLOWBOT_RUNTIME_DATABASE_URL points at it")
    assert "hunter2" not in line


def test_a_runners_store_that_does_not_answer_names_its_variable(
        flowbot: Flowbot, github: GitHubSimulator, app_key: str, tmp_path: Path) -> None:
    settings = {"GITHUB_APP_ID": str(github.world.app_id), "GITHUB_WEBHOOK_SECRET": "s",
                "GITHUB_PRIVATE_KEY": app_key, "GITHUB_API_URL": github.base_url,
                "FLOWBOT_RUNNER_REPOSITORY": "acme/integrations",
                "FLOWBOT_DATA_DIR": str(tmp_path / "data"),
                "FLOWBOT_RUNTIME_DATABASE_URL":
                    f"postgresql://flowbot:hunter2@127.0.0.1:{free_port()}/flowbot"}

    result = flowbot("runner", "start", env=settings)

    assert result.returncode == 2
    line = _one_line(result.stderr)
    assert line.startswith("flowbot: cannot use the runtime's store (")
    assert line.endswith("check that it runs and that FLOWBOT_RUNTIME_DATABASE_URL points at it")


def test_the_runners_commands_do_without_the_webhook_secret(
        flowbot: Flowbot, github: GitHubSimulator, app_key: str, tmp_path: Path) -> None:
    settings = {"GITHUB_APP_ID": str(github.world.app_id), "GITHUB_PRIVATE_KEY": app_key,
                "GITHUB_API_URL": github.base_url, "FLOWBOT_RUNNER_REPOSITORY": "acme/integrations",
                "FLOWBOT_DATA_DIR": str(tmp_path / "data")}

    refreshed = flowbot("runner", "refresh", env=settings)
    served = flowbot("serve", env=settings)

    assert refreshed.returncode == 0, refreshed.stderr
    assert refreshed.stdout == "queued a look for a new version\n"
    assert served.returncode == 2  # the web server checks every delivery's signature with it
    assert "GITHUB_WEBHOOK_SECRET: Field required" in _one_line(served.stderr)
