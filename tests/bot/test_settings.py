"""Configuration is checked at start-up, every problem named by its variable, no value shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_process_settings, load_settings


def test_a_complete_environment_loads(environment: dict[str, str]) -> None:
    settings = load_settings(environment)

    assert settings.github_app_id == 4242
    assert settings.bot_login == "flowbot[bot]"
    assert settings.database.startswith("sqlite:///")
    assert "PRIVATE KEY" not in repr(settings)
    assert environment["GITHUB_WEBHOOK_SECRET"] not in repr(settings)


def test_the_logs_scrub_the_keys_and_the_passwords_in_urls(
        environment: dict[str, str]) -> None:
    settings = load_settings({**environment,
                              "FLOWBOT_DATABASE_URL": "postgresql://flowbot:p%40ss-word@db/app",
                              "FLOWBOT_REDIS_URL": "redis://:queue-token@cache:6379/0"})

    secrets = settings.secret_values()

    assert {environment["GITHUB_WEBHOOK_SECRET"], environment["GITHUB_PRIVATE_KEY"],
            "p%40ss-word", "p@ss-word", "queue-token"} <= set(secrets)


def test_the_runners_settings_need_no_webhook_secret_but_scrub_one_given(
        environment: dict[str, str]) -> None:
    without = {name: value for name, value in environment.items()
               if name != "GITHUB_WEBHOOK_SECRET"}

    assert load_process_settings(without).github_webhook_secret is None
    assert environment["GITHUB_WEBHOOK_SECRET"] in load_process_settings(
        environment).secret_values()
    with pytest.raises(SettingsError, match="GITHUB_WEBHOOK_SECRET: Field required"):
        load_settings(without)


@pytest.mark.parametrize(("change", "says"), [
    ({"GITHUB_APP_ID": ""}, "GITHUB_APP_ID"),
    ({"GITHUB_APP_ID": "twelve"}, "GITHUB_APP_ID"),
    ({"GITHUB_WEBHOOK_SECRET": ""}, "GITHUB_WEBHOOK_SECRET"),
    ({"GITHUB_PRIVATE_KEY_PATH": "/nonexistent/key.pem"}, "exactly one of GITHUB_PRIVATE_KEY"),
    ({"GITHUB_PRIVATE_KEY": "not a key"}, "not a PEM key"),
    ({"FLOWBOT_REDIS_URL": "localhost:6379"}, "FLOWBOT_REDIS_URL"),
    ({"GITHUB_API_URL": "github.example"}, "GITHUB_API_URL"),
    ({"FLOWBOT_RUNNER_POLL": "every minute"},
     "FLOWBOT_RUNNER_POLL: 'every minute' is neither five-field cron"),
    ({"FLOWBOT_RUNNER_POLL": "61 * * * *"}, "FLOWBOT_RUNNER_POLL: '61 \\* \\* \\* \\*' is"),
    ({"FLOWBOT_SECRETS_FILE": "/nonexistent/secrets.yaml"},
     "FLOWBOT_SECRETS_FILE: no file at /nonexistent/secrets.yaml"),
    ({"FLOWBOT_RUNTIME_DATABASE_URL": "mysql://db/flowbot"},
     "FLOWBOT_RUNTIME_DATABASE_URL names the database 'mysql'"),
])
def test_a_bad_setting_is_named(environment: dict[str, str], change: dict[str, str],
                                says: str) -> None:
    with pytest.raises(SettingsError, match=says) as caught:
        load_settings({**environment, **change})

    assert environment["GITHUB_WEBHOOK_SECRET"] not in str(caught.value)


@pytest.mark.parametrize("poll", ["off", "*/5 * * * *", "0 3 * * 1-5"])
def test_the_runners_poll_is_cron_or_off(environment: dict[str, str], poll: str) -> None:
    assert load_settings({**environment, "FLOWBOT_RUNNER_POLL": poll}).runner_poll == poll


def test_a_data_dir_that_cannot_be_one_is_named(environment: dict[str, str],
                                                tmp_path: Path) -> None:
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder\n")

    for data_dir in (in_the_way, in_the_way / "data"):
        with pytest.raises(SettingsError, match=f"FLOWBOT_DATA_DIR: {in_the_way} is a file; "
                                                "give a folder flowbot may write"):
            load_settings({**environment, "FLOWBOT_DATA_DIR": str(data_dir)})
    assert load_settings({**environment, "FLOWBOT_DATA_DIR": str(tmp_path / "new" / "data")})
    assert not (tmp_path / "new").exists()


def test_a_config_file_gives_defaults_and_the_environment_wins(
        environment: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "flowbot.yml"
    config.write_text("flowbot_model: claude-haiku-5-5\nlog_level: DEBUG\n")

    settings = load_settings({**environment, "FLOWBOT_CONFIG": str(config),
                              "LOG_LEVEL": "WARNING"})

    assert settings.model == "claude-haiku-5-5"
    assert settings.log_level == "WARNING"


def test_an_unknown_key_in_the_config_file_is_named(environment: dict[str, str],
                                                    tmp_path: Path) -> None:
    config = tmp_path / "flowbot.yml"
    config.write_text("gihub_app_id: 1\n")

    with pytest.raises(SettingsError, match="GIHUB_APP_ID"):
        load_settings({**environment, "FLOWBOT_CONFIG": str(config)})


@pytest.mark.parametrize(("value", "trusted"), [
    (None, {"github-actions[bot]"}),
    ("github-actions[bot], ci-reporter[bot]", {"github-actions[bot]", "ci-reporter[bot]"}),
    ("-", {"-"}),  # no bot is called that: none is trusted
])
def test_trusted_bots_are_configurable(environment: dict[str, str], value: str | None,
                                       trusted: set[str]) -> None:
    extra = {} if value is None else {"FLOWBOT_TRUSTED_BOTS": value}

    assert load_settings({**environment, **extra}).trusted_bots == trusted


def test_an_unpriced_model_is_a_configuration_error_at_start(
        environment: dict[str, str]) -> None:
    with pytest.raises(SettingsError) as stopped:
        load_settings({**environment, "FLOWBOT_MODEL": "claude-opus-4-6"})

    assert "FLOWBOT_MODEL: 'claude-opus-4-6' has no price" in str(stopped.value)
    assert "FLOWBOT_MODEL_PRICES" in str(stopped.value)


def test_the_price_table_is_overridable_and_priced_models_load(
        environment: dict[str, str]) -> None:
    prices = ('{"claude-opus-4-6": {"rates": {"input": 5, "output": 25, "cache_write": 6.25, '
              '"cache_read": 0.5}}}')

    settings = load_settings({**environment, "FLOWBOT_MODEL": "claude-opus-4-6",
                              "FLOWBOT_MODEL_PRICES": prices, "FLOWBOT_EFFORT": "xhigh"})

    assert settings.prices.rates.output == 25
    assert (settings.effort, settings.thinking, settings.max_tokens) == ("xhigh", "adaptive",
                                                                         32_000)


@pytest.mark.parametrize(("prices", "says"), [
    ("{claude-x: {rates: {input: 1}}}", "the price of claude-x: rates.output: Field required"),
    ("[1, 2]", "must map model ids to their prices"),
])
def test_a_bad_price_table_is_named(environment: dict[str, str], prices: str,
                                    says: str) -> None:
    with pytest.raises(SettingsError, match=says):
        load_settings({**environment, "FLOWBOT_MODEL_PRICES": prices})
