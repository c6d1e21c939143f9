"""The eval's tasks: an issue the model sees, acceptance tests it does not, a reference answer.

A task lives in `tasks/<id>/`: `task.toml` (title, connectors, what the acceptance tests check,
and the planted mistake of the fools-the-gate scripted model), `issue.md` (the body, as GitHub
renders the integration-request form), `acceptance.py` (pytest tests taking a `flow` fixture) and
`reference/` (a spec, flow, tests and fixtures that solve it — what the scripted model that
answers correctly writes, and the proof that the task can be solved at all). The fools-the-gate
model's weak test is the reference's, keeping only the assertions on the run's report (which
packets were delivered, skipped or bad), so records still go through every unit, as the gate
demands, but what arrived in the target is never looked at. An optional `fool_test_flow.txt`
replaces it; it is text, not a module, since its `from .flow import flow` only means something
once it is copied into a flow's folder.
"""

from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.github.git import slug

TASKS = Path(__file__).resolve().parent / "tasks"
WEAK_TEST = '''"""The flow runs."""

from flowkit.testing import FlowTest

from .flow import flow


def test_the_flow_runs() -> None:
    with FlowTest(flow) as story:
        report = story.run()

        assert report.failed_keys == []
'''
"""The test file the fools-the-gate model writes: it passes on almost any flow."""


class _ReportAssertsOnly(ast.NodeTransformer):
    """Drops every assert that does not look at `report` (the run's report)."""

    def visit_Assert(self, node: ast.Assert) -> ast.Assert | None:
        looks = any(isinstance(name, ast.Name) and name.id == "report"
                    for name in ast.walk(node.test))
        return node if looks else None


def weakened(tests: str) -> str:
    """The test file `tests` with only its assertions on the run's report; a test left with
    none is dropped, and with no test left at all, WEAK_TEST."""
    tree = _ReportAssertsOnly().visit(ast.parse(tests))
    for node in ast.walk(tree):
        if isinstance(node, ast.With | ast.For | ast.If | ast.While | ast.FunctionDef) \
                and not node.body:
            node.body = [ast.Pass()]
    tree.body = [node for node in tree.body if not (
        isinstance(node, ast.FunctionDef) and node.name.startswith("test")
        and not any(isinstance(inner, ast.Assert) for inner in ast.walk(node)))]
    if not any(isinstance(node, ast.FunctionDef) and node.name.startswith("test")
               for node in tree.body):
        return WEAK_TEST
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


class TaskError(ValueError):
    """A task folder that cannot be used, and why."""


class Mistake(BaseModel):
    """A plausible bug, planted by a text replacement in the reference flow."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    mistake: str
    replace: str
    with_: str = Field(alias="with")


class TaskFile(BaseModel):
    """`task.toml`."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=5, max_length=120)
    connectors: list[str] = Field(min_length=1)
    checks: str
    fool: Mistake


@dataclass(frozen=True)
class Task:
    """One integration request of the eval."""

    id: str
    folder: Path
    title: str
    body: str
    connectors: tuple[str, ...]
    checks: str
    fool: Mistake

    @property
    def flow_folder(self) -> str:
        """Where the generate job puts the flow: `flows/<slug of the title>`."""
        return f"flows/{slug(self.title).replace('-', '_')}"

    @property
    def acceptance(self) -> str:
        """The acceptance tests' source."""
        return (self.folder / "acceptance.py").read_text(encoding="utf-8")

    def reference_files(self) -> dict[str, str]:
        """The reference answer, by path inside the flow's folder."""
        root = self.folder / "reference"
        return {str(path.relative_to(root)): path.read_text(encoding="utf-8")
                for path in sorted(root.rglob("*")) if path.is_file()
                and "__pycache__" not in path.parts}

    def fool_files(self) -> dict[str, str]:
        """The reference with the planted mistake, and a test too weak to notice it."""
        files = self.reference_files()
        flow = files["flow.py"]
        if flow.count(self.fool.replace) != 1:
            raise TaskError(f"{self.folder / 'task.toml'}: fool.replace must occur exactly once "
                            f"in reference/flow.py; it occurs {flow.count(self.fool.replace)} "
                            "times")
        own = self.folder / "fool_test_flow.txt"
        weak = own.read_text(encoding="utf-8") if own.is_file() else \
            weakened(files["test_flow.py"])
        return {**{name: text for name, text in files.items() if name != "test_flow.py"},
                "flow.py": flow.replace(self.fool.replace, self.fool.with_),
                "test_flow.py": weak}


def load_task(folder: Path) -> Task:
    """The task in `folder`; TaskError says what is missing or wrong."""
    try:
        raw = tomllib.loads((folder / "task.toml").read_text(encoding="utf-8"))
        spec = TaskFile.model_validate(raw)
        body = (folder / "issue.md").read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise TaskError(f"{folder}: {Path(error.filename or '').name} is missing") from None
    except tomllib.TOMLDecodeError as error:
        raise TaskError(f"{folder / 'task.toml'}: {error}") from None
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, item['loc']))}: {item['msg']}"
                             for item in error.errors())
        raise TaskError(f"{folder / 'task.toml'}: {problems}") from None
    for needed in ("acceptance.py", "reference/spec.yaml", "reference/flow.py",
                   "reference/test_flow.py"):
        if not (folder / needed).is_file():
            raise TaskError(f"{folder}: {needed} is missing")
    return Task(folder.name, folder, spec.title, body, tuple(spec.connectors), spec.checks,
                spec.fool)


def load_tasks(root: Path = TASKS, only: list[str] | None = None) -> list[Task]:
    """Every task under `root` in name order, or those named in `only`."""
    folders = sorted(path for path in root.iterdir() if (path / "task.toml").is_file())
    known = {folder.name for folder in folders}
    unknown = sorted(set(only or []) - known)
    if unknown:
        raise TaskError(f"no task called {', '.join(unknown)}; the tasks are: "
                        f"{', '.join(sorted(known))}")
    return [load_task(folder) for folder in folders if not only or folder.name in only]
