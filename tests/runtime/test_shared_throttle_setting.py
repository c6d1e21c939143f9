"""The runner hands its children the Redis where throttles keep shared state, and only then."""

from __future__ import annotations

from connectors.core.shared_throttle import SHARED_THROTTLE_VARIABLE
from flowkit.runtime.service.launch import child_environment


def test_a_child_keeps_its_throttles_in_the_runners_redis_when_given_one() -> None:
    environment = child_environment([], database_url="sqlite:///x.db", environ={},
                                    shared_throttle_url="redis://10.0.0.5:6379/0")

    assert environment[SHARED_THROTTLE_VARIABLE] == "redis://10.0.0.5:6379/0"


def test_a_child_throttles_on_its_own_without_one_even_if_the_runners_environment_says_so(
        ) -> None:
    environment = child_environment([], database_url="sqlite:///x.db",
                                    environ={SHARED_THROTTLE_VARIABLE: "redis://stray:6379/0"})

    assert SHARED_THROTTLE_VARIABLE not in environment
