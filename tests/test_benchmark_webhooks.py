"""The webhook benchmark itself, small: the three servers (the app as `flowbot serve` runs it,
the app with its thread design, the bare endpoint) answer every delivery in every round, both
designs store each once with its job, and the figures are each round's, their medians and
ranges, with each design's verdict and the machine's load."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from benchmarks.webhooks import APP_DESIGNS, FIGURES, SERVERS, main, measure


def test_a_small_run_measures_every_server_and_loses_nothing(wrk_path: Path) -> None:
    said: list[str] = []
    result = measure(deliveries=200, clients=4, rounds=2, progress=said.append)

    assert tuple(APP_DESIGNS) == ("ours", "thread")
    for design in APP_DESIGNS:
        assert (result[f"{design}_lost"], result[f"{design}_duplicates"],
                result[f"{design}_jobs"]) == (0, 0, 400)
    assert result["bare_refused"] == 0
    assert len(result["rounds"]) == len(said) == 2
    for run in result["rounds"]:
        for server in SERVERS:
            assert 0 < run[server]["p50_ms"] <= run[server]["p99_ms"]
            assert run[server]["per_s"] > 0
            assert run[server]["cpu_ms_per_delivery"] > 0
        for design in APP_DESIGNS:
            assert run[f"{design}_jobs"] == 200
            assert run[f"{design}_throughput_ratio"] == round(run[design]["per_s"]
                                                              / run["bare"]["per_s"], 3)
    for server in SERVERS:
        for figure in FIGURES:
            each = [run[server][figure] for run in result["rounds"]]
            assert result[server][figure] == round(statistics.median(each), 3)
            assert result["range"][server][figure] == [min(each), max(each)]
    for design in APP_DESIGNS:
        ratios = [run[f"{design}_throughput_ratio"] for run in result["rounds"]]
        assert result["range"][f"{design}_throughput_ratio"] == [min(ratios), max(ratios)]
    assert result["goal"]["met"] == {"ours": None, "thread": None}  # the goal is at 16 clients
    assert len(result["load_average"]["before"]) == len(result["load_average"]["after"]) == 3


def test_the_table_names_the_goal_and_the_load(wrk_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    main(["--deliveries", "50", "--clients", "16", "--rounds", "1"])

    printed = " ".join(capsys.readouterr().out.split())
    assert "p99 ms" in printed
    assert "Goal at 16 clients: p99 < 50 ms, ratio to bare >= 0.3" in printed
    assert "thread: the same app storing them on a thread of its own" in printed
    assert "Load average" in printed
