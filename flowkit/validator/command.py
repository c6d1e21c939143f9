"""`python -m flowkit.validator`: the gate as a command, always this installation's code.

`flowbot validate` calls it in process; the app starts it isolated from the checkout
(`flowkit.validator.isolated`). `--root` names the checkout whose flows are read; its own
`connectors/` and `flowkit/`, if it has them, are never imported (see docs/security.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from flowkit.loading import flow_folders
from flowkit.validator.findings import FlowReport
from flowkit.validator.runner import STATIC_STAGES, validate_flow

EXIT_CLEAN, EXIT_FINDINGS, EXIT_COULD_NOT_RUN = 0, 1, 2


class UnknownFlow(ValueError):
    """A FLOW argument that names no flow folder."""


def folders_of(flows: list[str], root: Path) -> list[Path]:
    """The flow folders that FLOW arguments name: folders, `flows/`, or flow names."""
    if not flows:
        return flow_folders(root)
    folders: list[Path] = []
    for given in flows:
        path = Path(given)
        if not path.is_absolute():
            path = Path.cwd() / path
        if path.is_dir() and path.name == "flows":
            folders += flow_folders(path.parent)
        elif path.is_dir():
            folders.append(path)
        elif (root / "flows" / given.replace("-", "_")).is_dir():
            folders.append(root / "flows" / given.replace("-", "_"))
        else:
            known = ", ".join(folder.name for folder in flow_folders(root)) or "(none)"
            raise UnknownFlow(f"{given} is neither a flow folder nor a flow's name; the flows "
                              f"of {root} are: {known}")
    return folders


def main(argv: list[str] | None = None) -> int:
    """Validate flows; print text (or --json); return 0 clean, 1 findings, 2 could not run."""
    parser = argparse.ArgumentParser(prog="python -m flowkit.validator",
                                     description="Run the gate over flows.")
    parser.add_argument("flows", nargs="*", help="flow folders or names (default: all)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--static-only", action="store_true", help="stop after stage 4")
    parser.add_argument("--root", default=".", help="the checkout (default: .)")
    arguments = parser.parse_args(argv)
    root = Path(arguments.root).resolve()
    try:
        folders = folders_of(arguments.flows, root)
    except UnknownFlow as error:
        print(f"flowbot validate: {error}", file=sys.stderr)
        return EXIT_COULD_NOT_RUN
    last = STATIC_STAGES[-1] if arguments.static_only else 5
    reports = [validate_flow(folder, root=root, last_stage=last) for folder in folders]
    return print_reports(reports, root, as_json=arguments.json)


def print_reports(reports: list[FlowReport], root: Path, *, as_json: bool) -> int:
    """Print the flows' reports as text (or one JSON object) on stdout; return the exit code:
    0 clean, 1 findings, 2 could not run."""
    if as_json:
        print(json.dumps({"root": str(root), "clean": all(r.clean for r in reports),
                          "flows": [report.as_json() for report in reports]}))
    else:
        for report in reports:
            print(report.as_text())
        if not reports:
            print(f"no flows under {root / 'flows'}")
    if any(report.could_not_run for report in reports):
        return EXIT_COULD_NOT_RUN
    return EXIT_CLEAN if all(report.clean for report in reports) else EXIT_FINDINGS
