"""The status comment is found again by its marker, and says where the job is."""

from __future__ import annotations

from bot.github.status_comment import Phase, Status, is_status_comment, render_status


def test_the_marker_finds_the_same_jobs_comment_only() -> None:
    body = render_status(Status("generate", 12, Phase.GATE, "gate attempt 2 of 4"))

    assert is_status_comment(body, "generate", 12)
    assert not is_status_comment(body, "generate", 13)
    assert not is_status_comment(body, "repair", 12)
    assert not is_status_comment("a person quoting flowbot generate", "generate", 12)
    assert not is_status_comment(None, "generate", 12)


def test_the_body_says_the_phase_and_the_detail() -> None:
    body = render_status(Status("repair", 7, Phase.FAILED, "The gate still fails: FK302.",
                                job_id="j-1"))

    assert body.splitlines()[1] == "❌ **flowbot repair**: failed"
    assert "The gate still fails: FK302." in body
    assert "job j-1" in body
