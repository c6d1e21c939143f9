"""The agent's tools acting on one checkout: read anything, write only the flow's folder.

Paths are resolved before they are used, so `..`, absolute paths and symlinks cannot lead out;
the gate runs as a separate process of the app's own installed code, outside the checkout and
without the worker's secrets (`flowkit.validator.isolated`): the checkout is data to it, and the
flow's code only ever runs inside the gate's sandbox.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bot.agent.catalog_view import catalog_details
from bot.agent.tools import GateRun, ToolRefused
from connectors.registry import catalog
from flowkit.validator import STATIC_STAGES, validate_flow
from flowkit.validator.isolated import run_installed_gate

MAX_READ_BYTES = 200_000
MAX_WRITE_BYTES = 100_000
GATE_TIMEOUT_S = 600.0


@dataclass
class CheckoutHost:
    """An `AgentHost` over a checkout folder (a job's worktree)."""

    root: Path
    flow_folder: str
    """`flows/<name>`, relative to the root: the only place writes go."""

    def _inside(self, path: str, *, base: Path) -> Path:
        relative = PurePosixPath(path)
        if relative.is_absolute() or ".." in relative.parts or not path.strip():
            raise ToolRefused(f"{path!r}: give a path relative to the repository, without '..'")
        if ".git" in relative.parts:
            raise ToolRefused(f"{path!r}: the git metadata is not readable")
        resolved = (self.root / relative).resolve()
        if not resolved.is_relative_to(base.resolve()):
            raise ToolRefused(f"{path!r} leads outside {base.relative_to(self.root) or '.'}")
        return resolved

    def read_file(self, path: str) -> str:
        """A file of the checkout, read-only."""
        target = self._inside(path, base=self.root)
        if not target.is_file():
            raise ToolRefused(f"{path}: no such file (list_files shows what there is)")
        if target.stat().st_size > MAX_READ_BYTES:
            raise ToolRefused(f"{path}: larger than {MAX_READ_BYTES} bytes")
        return target.read_text(encoding="utf-8", errors="replace")

    def list_files(self, path: str) -> list[str]:
        """The files under a folder of the checkout."""
        target = self._inside(path or ".", base=self.root)
        if not target.is_dir():
            raise ToolRefused(f"{path}: no such folder")
        return sorted(str(p.relative_to(self.root)) for p in target.rglob("*")
                      if p.is_file() and ".git" not in p.parts and "__pycache__" not in p.parts)

    def write_file(self, path: str, content: str) -> None:
        """Write a file inside the flow's folder; anything else is refused with the reason."""
        folder = self.root / self.flow_folder
        if not PurePosixPath(path).is_relative_to(PurePosixPath(self.flow_folder)):
            raise ToolRefused(f"{path}: you may only write inside {self.flow_folder}/")
        target = self._inside(path, base=folder)
        if target.is_symlink() or any(p.is_symlink() for p in target.parents
                                      if p.is_relative_to(folder)):
            raise ToolRefused(f"{path}: will not write through a symbolic link")
        if len(content.encode()) > MAX_WRITE_BYTES or "\0" in content:
            raise ToolRefused(f"{path}: only text files up to {MAX_WRITE_BYTES} bytes")
        target.parent.mkdir(parents=True, exist_ok=True)
        (folder / "__init__.py").touch()
        target.write_text(content, encoding="utf-8")

    def run_gate(self) -> GateRun:
        """The whole gate over the flow, by the app's own code (never the checkout's)."""
        return self._gate()

    def check_static(self) -> GateRun:
        """The gate's stages 1-4 with the app's own flowkit and catalog: they read the flow as
        text and never run it, so they run here, in milliseconds, after every write."""
        report = validate_flow(self.root / self.flow_folder, root=self.root,
                               catalog=catalog(), last_stage=max(STATIC_STAGES))
        findings = [finding.as_json() for finding in report.findings]
        if report.clean:
            return GateRun(True, report.as_text(), findings, full=False)
        return GateRun(False, "\n".join(f.as_text() for f in report.findings)
                       or report.as_text(), findings, full=False)

    def catalog_details(self, name: str) -> str:
        """A connector's or a record's details."""
        return catalog_details(catalog(), name)

    def _gate(self) -> GateRun:
        try:
            completed = run_installed_gate(
                [str(self.root / self.flow_folder), "--root", str(self.root), "--json"],
                timeout=GATE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return GateRun(False, f"the gate could not run: no answer in {GATE_TIMEOUT_S:.0f} s")
        try:
            report = json.loads(completed.stdout)
        except ValueError:
            return GateRun(False, f"the gate could not run: {completed.stderr[-1500:]}")
        [flow] = report["flows"]
        findings = flow["findings"]
        if flow["could_not_run"]:
            return GateRun(False, f"the gate could not run: {flow['could_not_run']}", findings)
        if not findings:
            stages = ", ".join(map(str, flow["stages_passed"]))
            return GateRun(True, f"clean: stages {stages} passed", findings)
        lines = [f"{f['file']}:{f['line']}:{f['column']}: {f['rule']} {f['name']}: "
                 f"{f['message']}" + (f"\n    hint: {f['hint']}" if f.get("hint") else "")
                 for f in findings]
        return GateRun(False, "\n".join(lines), findings)
