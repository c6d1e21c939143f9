"""How fast the gate's static stages are, next to a type checker on the same files; and how long
the whole gate takes per example flow.

Stages 1–4 exist so the model hears about a made-up operation or a forbidden import at once,
before anything runs. This times them over every example flow and every flow of the broken
corpus, in a scratch checkout, and runs mypy (warm cache, one run per flow, as the gate would)
over the same files in the same run. Then it runs the whole gate (stages 1–5, with the sandbox)
over each example flow in flows/, once to warm up (the mypy cache, the sandbox probe) and once
timed.

    python -m benchmarks.gate [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from flowkit.spec import load_spec
from flowkit.validator import STATIC_STAGES, flow_folders, validate_flow

REPOSITORY = Path(__file__).resolve().parents[1]
CORPUS = REPOSITORY / "tests" / "validator" / "corpus"
BASE_FLOW = REPOSITORY / "flows" / "shopify_orders_to_hubspot_deals"
"""Every corpus case is this example flow with one slip: the case keeps only what differs."""


def corpus_flow(case: Path, destination: Path) -> Path:
    """A corpus case as a whole flow folder: the base flow, the case's files written over it,
    the files its `expected.json` says to remove removed."""
    shutil.copytree(BASE_FLOW, destination, ignore=shutil.ignore_patterns("__pycache__"))
    if (case / "flow").is_dir():
        shutil.copytree(case / "flow", destination, dirs_exist_ok=True, symlinks=True)
    for name in json.loads((case / "expected.json").read_text()).get("remove", []):
        (destination / name).unlink()
    return destination


def _checkouts(scratch: Path) -> list[Path]:
    """One scratch checkout per flow (examples and corpus), each holding just that flow."""
    cases = sorted(case for case in CORPUS.iterdir() if (case / "expected.json").is_file())
    flows = flow_folders(REPOSITORY) + [corpus_flow(case, scratch / "cases" / case.name)
                                         for case in cases]
    folders = []
    for index, flow in enumerate(flows):
        root = scratch / f"checkout-{index}"
        (root / "flows").mkdir(parents=True)
        for part in ("connectors", "flowkit"):
            (root / part).symlink_to(REPOSITORY / part)
        shutil.copy2(REPOSITORY / "pyproject.toml", root / "pyproject.toml")
        try:
            name = load_spec(flow).folder_name
        except ValueError:
            name = "shopify_orders_to_hubspot_deals"
        shutil.copytree(flow, root / "flows" / name, symlinks=True)
        folders.append(root / "flows" / name)
    return folders


def measure() -> dict[str, float | int]:
    """Time the static stages and mypy over the same flows."""
    with tempfile.TemporaryDirectory(prefix="flowbot-gate-bench-") as scratch:
        folders = _checkouts(Path(scratch))
        validate_flow(folders[0], last_stage=STATIC_STAGES[-1])  # imports and catalog, once
        start = time.perf_counter()
        for folder in folders:
            validate_flow(folder, last_stage=STATIC_STAGES[-1])
        gate = time.perf_counter() - start
        cache = Path(scratch) / "mypy-cache"
        command = [sys.executable, "-m", "mypy", "--strict", f"--cache-dir={cache}",
                   "--no-error-summary"]
        subprocess.run([*command, str(folders[0] / "flow.py")], capture_output=True,  # noqa: S603
                       cwd=folders[0].parent.parent, check=False)  # warm the cache
        start = time.perf_counter()
        for folder in folders:
            files = [str(folder / name) for name in ("flow.py", "test_flow.py")
                     if (folder / name).exists()]
            subprocess.run([*command, *files], capture_output=True,  # noqa: S603
                           cwd=folder.parent.parent, check=False)
        mypy = time.perf_counter() - start
    return {"flows": len(folders), "gate_static_s": round(gate, 4), "mypy_s": round(mypy, 3),
            "ratio": round(mypy / gate, 1) if gate else 0.0}


def measure_whole() -> dict[str, float]:
    """Seconds of the whole gate, warm, per example flow (empty when the sandbox is missing)."""
    times: dict[str, float] = {}
    for folder in flow_folders(REPOSITORY):
        if validate_flow(folder).could_not_run:
            return {}
        start = time.perf_counter()
        report = validate_flow(folder)
        times[folder.name] = round(time.perf_counter() - start, 2)
        if not report.clean:
            raise SystemExit(f"{folder.name} does not pass the gate:\n{report.as_text()}")
    return times


def main(argv: list[str] | None = None) -> None:
    """Print a table, or one JSON object with --json."""
    parser = argparse.ArgumentParser(description="Time the gate's static stages against mypy.")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    result = measure()
    whole = measure_whole()
    if parser.parse_args(argv).json:
        print(json.dumps({**result, "gate_whole_warm_s": whole}))
        return
    table = Table(title=f"Static stages 1–4 vs mypy over {result['flows']} flows",
                  caption="ratio = mypy time / gate time, same flows, same run")
    for column in ("gate stages 1–4 (s)", "per flow (ms)", "mypy (s)", "ratio"):
        table.add_column(column)
    per_flow = 1000 * float(result["gate_static_s"]) / int(result["flows"])
    table.add_row(str(result["gate_static_s"]), f"{per_flow:.1f}", str(result["mypy_s"]),
                  f"{result['ratio']}×")
    Console().print(table)
    flows = Table(title="The whole gate (stages 1–5, sandboxed), warm, per example flow",
                  caption="empty when bubblewrap is missing")
    flows.add_column("flow")
    flows.add_column("whole gate (s)")
    for name, seconds in whole.items():
        flows.add_row(name, f"{seconds:.2f}")
    Console().print(flows)


if __name__ == "__main__":
    main()
