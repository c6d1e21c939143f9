#!/usr/bin/env bash
# Install the servers and tools the test suite uses, when they are missing: bubblewrap (the
# sandbox), redis-server, PostgreSQL and wrk (the webhook benchmark's load). Called by
# `make services` (and so `make test`).
#
# When they cannot be installed (see scripts/apt-install.sh), outside CI this exits 0, so
# the tests that need them skip with the same advice; with CI set it exits 1, because CI
# must not pass by skipping.
set -euo pipefail

missing=()
command -v bwrap >/dev/null || missing+=(bubblewrap)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v wrk >/dev/null || missing+=(wrk)
# Debian keeps the server programs off PATH, in /usr/lib/postgresql/<major>/bin.
if ! compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null && ! command -v pg_ctl >/dev/null
then
    missing+=(postgresql)
fi

if ((${#missing[@]} == 0)); then
    echo "services: bubblewrap, redis-server, PostgreSQL and wrk are installed"
elif ! bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" "${missing[@]}"; then
    ci="${CI:-}"
    if [[ -n "${ci// /}" && "${ci,,}" != "false" && "$ci" != "0" ]]; then
        echo "services: CI is set, so a missing server is an error (tests must not skip)" >&2
        exit 1
    fi
    echo "services: until then, the tests that need ${missing[*]} are skipped" >&2
fi
