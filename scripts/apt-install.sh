#!/usr/bin/env bash
# Usage: scripts/apt-install.sh PACKAGE...
# Install Debian packages with apt-get (one `apt-get update`, then `apt-get install -y`),
# as root or through password-less `sudo -n` (as on GitHub's runners). When it cannot,
# it says why and how to install them by hand, and exits 1: the caller decides whether
# that stops the build.
set -euo pipefail
packages=("$@")

give_up() {
    echo "apt-install: cannot install ${packages[*]}: $1" >&2
    echo "apt-install: install by hand with:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y ${packages[*]}" >&2
    exit 1
}

if ((EUID == 0)); then
    as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    give_up "not root, and no password-less sudo"
fi
command -v apt-get >/dev/null || give_up "no apt-get on this machine"

apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300)
echo "apt-install: installing ${packages[*]} with apt-get"
"${apt[@]}" update || give_up "apt-get update failed"
"${apt[@]}" install -y --no-install-recommends "${packages[@]}" || give_up "apt-get install failed"
