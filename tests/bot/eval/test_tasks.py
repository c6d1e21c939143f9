"""Loading eval tasks: a broken task folder is refused with what is wrong and where."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.eval.task import TASKS, WEAK_TEST, TaskError, load_task, load_tasks, weakened

EXAMPLE = TASKS / "shopify_customers_to_hubspot_contacts"


def copy_of_example(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / EXAMPLE.name))


def test_there_are_at_least_twelve_tasks_across_every_connector() -> None:
    tasks = load_tasks()

    assert len(tasks) >= 12
    assert {name for task in tasks for name in task.connectors} == {
        "shopify", "hubspot", "salesforce", "stripe", "slack", "sql"}
    assert len({task.flow_folder for task in tasks}) == len(tasks)


def test_no_task_asks_for_a_flow_the_repository_already_has() -> None:
    existing = {path.parent.name for path in Path("flows").glob("*/flow.py")}

    assert not existing & {task.flow_folder.removeprefix("flows/") for task in load_tasks()}


def test_the_fool_is_the_reference_with_one_mistake_and_a_weak_test() -> None:
    task = load_task(EXAMPLE)

    fool, reference = task.fool_files(), task.reference_files()

    assert fool["test_flow.py"] == weakened(reference["test_flow.py"])
    assert "assert report.delivered_keys == ['207119551']" in fool["test_flow.py"]
    assert '"Norman"' in reference["test_flow.py"]
    assert "Norman" not in fool["test_flow.py"]
    assert fool["spec.yaml"] == reference["spec.yaml"]
    assert fool["flow.py"] != reference["flow.py"]
    assert fool["flow.py"] == reference["flow.py"].replace(task.fool.replace, task.fool.with_)


def test_a_reference_test_with_no_assertion_on_the_report_weakens_to_the_generic_one() -> None:
    tests = "from .flow import flow\n\ndef test_x() -> None:\n    assert flow.name == 'x'\n"

    assert weakened(tests) == WEAK_TEST


def test_a_mistake_that_does_not_match_the_reference_is_refused(tmp_path: Path) -> None:
    folder = copy_of_example(tmp_path)
    toml = folder / "task.toml"
    toml.write_text(toml.read_text().replace('replace = "lastname=customer.last_name"',
                                             'replace = "no such text"'))

    with pytest.raises(TaskError, match=r"fool.replace must occur exactly once.*0 times"):
        load_task(folder).fool_files()


def test_a_task_without_acceptance_tests_is_refused(tmp_path: Path) -> None:
    folder = copy_of_example(tmp_path)
    (folder / "acceptance.py").unlink()

    with pytest.raises(TaskError, match=r"acceptance\.py is missing"):
        load_task(folder)


def test_an_invalid_task_file_says_which_field(tmp_path: Path) -> None:
    folder = copy_of_example(tmp_path)
    (folder / "task.toml").write_text('title = "x"\nconnectors = []\nchecks = ""\n')

    with pytest.raises(TaskError, match=r"task.toml: title: String should have at least 5 "
                                        r"characters; connectors: .*; fool: Field required"):
        load_task(folder)


def test_an_unknown_task_name_lists_the_known_ones() -> None:
    with pytest.raises(TaskError, match=r"no task called nope; the tasks are: .*"
                                        "shopify_customers_to_hubspot_contacts"):
        load_tasks(only=["nope"])
