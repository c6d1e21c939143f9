"""The webhook benchmark itself, small: both servers answer every delivery in every round, the
app stores each once with its job, and the figures are each round's, their medians and ranges,
with the goal's verdict and the machine's load."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from benchmarks.webhooks import FIGURES, main, measure


def test_a_small_run_measures_both_servers_and_loses_nothing(wrk_path: Path) -> None:
    said: list[str] = []
    result = measure(deliveries=200, clients=4, rounds=3, progress=said.append)

    assert (result["lost"], result["duplicates"], result["jobs"]) == (0, 0, 600)
    assert result["bare_refused"] == 0
    assert len(result["rounds"]) == len(said) == 3
    for run in result["rounds"]:
        assert run["jobs"] == 200
        for server in ("ours", "bare"):
            assert 0 < run[server]["p50_ms"] <= run[server]["p99_ms"]
            assert run[server]["per_s"] > 0
            assert run[server]["cpu_ms_per_delivery"] > 0
        assert run["throughput_ratio"] == round(run["ours"]["per_s"]
                                                / run["bare"]["per_s"], 3)
    for server in ("ours", "bare"):
        for figure in FIGURES:
            each = [run[server][figure] for run in result["rounds"]]
            assert result[server][figure] == round(statistics.median(each), 3)
            assert result["range"][server][figure] == [min(each), max(each)]
    ratios = [run["throughput_ratio"] for run in result["rounds"]]
    assert result["range"]["throughput_ratio"] == [min(ratios), max(ratios)]
    assert result["goal"]["met"] is None  # the goal is set at 16 clients, not 4
    assert len(result["load_average"]["before"]) == len(result["load_average"]["after"]) == 3


def test_the_table_names_the_goal_and_the_load(wrk_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    main(["--deliveries", "50", "--clients", "16", "--rounds", "1"])

    printed = " ".join(capsys.readouterr().out.split())
    assert "p99 ms" in printed
    assert "goal (16 clients: p99 < 50 ms, ratio >= 0.3)" in printed
    assert "load average" in printed
