"""`flowbot showcase`, the command `make demo` runs until the demo exists."""

from __future__ import annotations

from typer.testing import CliRunner

from bot.cli import app


def test_every_check_of_the_showcase_holds() -> None:
    result = CliRunner().invoke(app, ["showcase"])

    assert result.exit_code == 0, result.output
    assert "FAILED" not in result.output
    assert "not built yet" in result.output  # it says plainly what it is not

