"""The webhook benchmark itself, small: both servers answer every delivery in every round, the
app stores each once with its job, and the figures are each round's and their medians."""

from __future__ import annotations

from pathlib import Path

from benchmarks.webhooks import measure


def test_a_small_run_measures_both_servers_and_loses_nothing(wrk_path: Path) -> None:
    said: list[str] = []
    result = measure(deliveries=200, clients=4, rounds=2, progress=said.append)

    assert (result["lost"], result["duplicates"], result["jobs"]) == (0, 0, 400)
    assert result["bare_refused"] == 0
    assert len(result["rounds"]) == len(said) == 2
    for run in result["rounds"]:
        assert run["jobs"] == 200
        for server in ("ours", "bare"):
            assert 0 < run[server]["p50_ms"] <= run[server]["p99_ms"]
            assert run[server]["per_s"] > 0
            assert run[server]["cpu_ms_per_delivery"] > 0
        assert run["throughput_ratio"] == round(run["ours"]["per_s"]
                                                / run["bare"]["per_s"], 3)
    assert result["ours"]["per_s"] == sum(run["ours"]["per_s"] for run in result["rounds"]) / 2
