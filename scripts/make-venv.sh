#!/usr/bin/env bash
# Usage: scripts/make-venv.sh PYTHON VENV_DIR
# Create the project's virtualenv with PYTHON (3.11 or newer). Debian's own python3 ships
# without `venv`'s pip bootstrap (package python3-venv); install it when it is missing.
set -euo pipefail
python=$1 venv=$2

if ! command -v "$python" >/dev/null; then
    echo "make-venv: $python not found; flowbot needs Python 3.11 or newer" >&2
    exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "make-venv: $python is $("$python" --version 2>&1); flowbot needs 3.11 or newer." >&2
    echo "make-venv: pick another with: make PYTHON=python3.11 ..." >&2
    exit 1
fi
if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
    bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" python3-venv
fi
"$python" -m venv "$venv"
