"""A repair may add tests, never delete or weaken the ones it was given, nor edit the packet."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.jobs.regression import kept_tests, weakened_tests

TESTS = '''
def test_a_paid_order_becomes_a_deal() -> None:
    """Paid orders arrive."""
    assert deals == 1


def test_the_packet_of_issue_7_no_longer_fails() -> None:
    assert not failed_again, f"{result.error_type}: {result.message}"
'''


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "fixtures" / "failures").mkdir(parents=True)
    (tmp_path / "fixtures" / "failures" / "7.json").write_text('{"id": "o1"}\n')
    (tmp_path / "test_flow.py").write_text(TESTS)
    return tmp_path


@pytest.mark.parametrize(("change", "problem"), [
    (lambda t: t.replace("def test_the_packet_of_issue_7", "def _the_packet_of_issue_7"),
     "test `test_the_packet_of_issue_7_no_longer_fails` was deleted"),
    (lambda t: t.replace("assert deals == 1", "assert deals >= 0"),
     "test `test_a_paid_order_becomes_a_deal` was changed"),
    (lambda t: t.replace("    assert not failed_again", "    pass  # assert not failed_again"),
     "test `test_the_packet_of_issue_7_no_longer_fails` was changed"),
])
def test_a_deleted_or_weakened_test_is_named(folder: Path, change: object,
                                             problem: str) -> None:
    before = kept_tests(folder)
    assert callable(change)
    (folder / "test_flow.py").write_text(change(TESTS))

    assert weakened_tests(before, kept_tests(folder)) == [problem]


def test_an_edited_packet_is_named(folder: Path) -> None:
    before = kept_tests(folder)
    (folder / "fixtures" / "failures" / "7.json").write_text('{"id": "o2"}\n')

    assert weakened_tests(before, kept_tests(folder)) == [
        "failure packet `fixtures/failures/7.json` was changed"]


def test_new_tests_reworded_docstrings_and_formatting_are_fine(folder: Path) -> None:
    before = kept_tests(folder)
    (folder / "test_flow.py").write_text(
        TESTS.replace('"""Paid orders arrive."""', '"""Paid orders become deals."""')
        .replace("deals == 1", "deals  ==  1  # exactly one")
        + "\n\ndef test_more() -> None:\n    assert True\n")

    assert weakened_tests(before, kept_tests(folder)) == []
