"""The webhook benchmark itself, small: both servers answer every delivery, the app stores each
once with its job, and the figures it prints are there."""

from __future__ import annotations

from pathlib import Path

from benchmarks.webhooks import measure


def test_a_small_run_measures_both_servers_and_loses_nothing(wrk_path: Path) -> None:
    result = measure(deliveries=200, clients=4)

    assert (result["lost"], result["duplicates"], result["jobs"]) == (0, 0, 200)
    assert result["bare_refused"] == 0
    for server in ("ours", "bare"):
        figures = result[server]
        assert 0 < figures["p50_ms"] <= figures["p99_ms"]
        assert figures["per_s"] > 0
    assert result["throughput_ratio"] == round(result["ours"]["per_s"]
                                               / result["bare"]["per_s"], 3)
