"""The files of a thin integrations repository: what `flowbot init` writes.

A thin repository holds `flows/`, `.github/` and a pin of the flowbot version; the connector
library, the flow kit and the gate come from the installed flowbot package. The issue forms and
the pull request template are flowbot's own (`bot.resources.github_templates`); the CI workflow,
the example `.github/flowbot.yml` and the pin are written here.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from bot.github.repo_config import CONFIG_PATH, RepoConfig
from bot.resources import github_templates

PIN_FILE = "requirements.txt"
WORKFLOW_PATH = ".github/workflows/flowbot.yml"

WORKFLOW = """\
# The flow gate on every push and pull request, people's and flowbot's alike: the same
# `flowbot validate` the app runs before it opens a pull request.
name: flowbot validate

on:
  push:
  pull_request:

permissions:
  contents: read

jobs:
  validate:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    steps:
      - uses: actions/checkout@v4

      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
          cache: pip
          cache-dependency-path: requirements.txt

      # Stage 5 runs the flows' type check and tests in bubblewrap. Ubuntu 24.04's AppArmor
      # refuses the unprivileged user namespaces bwrap needs as an ordinary user.
      - name: Install bubblewrap
        run: |
          sudo apt-get update -q && sudo apt-get install -y -q bubblewrap
          if [ -e /proc/sys/kernel/apparmor_restrict_unprivileged_userns ]; then
            sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0
          fi

      - name: Install flowbot (the version pinned in requirements.txt)
        run: pip install -r requirements.txt

      - name: Check .github/flowbot.yml
        run: flowbot config check

      - name: Validate the flows
        run: flowbot validate flows/
"""

GITIGNORE = "__pycache__/\n.flowbot/\n.env\n*.pem\n"
FLOWS_INIT = '"""The flows: one package each, the only place flowbot writes."""\n'


def pin(installed: str | None = None) -> str:
    """requirements.txt: the flowbot version this repository's flows are checked with."""
    return ("# The flowbot this repository's flows are written for and checked with (CI and the\n"
            "# app should run the same version). Upgrade deliberately: change it in a PR.\n"
            f"flowbot=={installed or version('flowbot')}\n")


def example_config() -> str:
    """`.github/flowbot.yml` with every setting at its default, its meaning and its range."""
    lines = ["# flowbot's settings for this repository. Every line is optional: remove one to",
             "# get its default. Check the file with `flowbot config check`; the JSON schema is",
             "# `flowbot config schema`.", ""]
    for name, field in RepoConfig.model_fields.items():
        lines.append(f"# {field.description}")
        default = field.get_default(call_default_factory=True)
        rendered = ("[]" if default == [] else "null" if default is None
                    else str(default).lower() if isinstance(default, bool) else str(default))
        lines.append(f"{name}: {rendered}")
        lines.append("")
    return "\n".join(lines)


@dataclass(frozen=True)
class ScaffoldFile:
    """One file of the thin repository, relative to its root."""

    path: str
    text: str


def scaffold_files() -> list[ScaffoldFile]:
    """Every file `flowbot init` writes."""
    templates = github_templates()
    files = [ScaffoldFile("flows/__init__.py", FLOWS_INIT),
             ScaffoldFile(PIN_FILE, pin()),
             ScaffoldFile(".gitignore", GITIGNORE),
             ScaffoldFile(CONFIG_PATH, example_config()),
             ScaffoldFile(WORKFLOW_PATH, WORKFLOW),
             ScaffoldFile(".github/pull_request_template.md",
                          (templates / "pull_request_template.md").read_text(encoding="utf-8"))]
    for form in sorted((templates / "ISSUE_TEMPLATE").glob("*.yml")):
        files.append(ScaffoldFile(f".github/ISSUE_TEMPLATE/{form.name}",
                                  form.read_text(encoding="utf-8")))
    return files


def write_scaffold(root: Path, *, force: bool = False) -> tuple[list[str], list[str]]:
    """Write the files under `root`; (written, kept) — an existing file is kept unless `force`."""
    written: list[str] = []
    kept: list[str] = []
    for file in scaffold_files():
        target = root / file.path
        if target.exists() and not force:
            kept.append(file.path)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(file.text, encoding="utf-8")
        written.append(file.path)
    return written, kept
