#!/usr/bin/env bash
# The benchmark, in one command, from a fresh clone:
#
#     bash bench/run.sh                 # full run; writes docs/benchmarks.md
#     bash bench/run.sh --quick         # smoke run: small, no streaming, writes nothing
#     bash bench/run.sh --no-streaming  # skip the 6 GB memmap -> PNG run
#
# Creates (or updates) the benchmark's own virtualenv, bench/.venv, with the peers
# (torch pinned to 2.13.0, the CPU build), installs this checkout of visheat into it
# (editable), then runs bench/bench_heatmaps.py with the given options.
# VISHEAT_BENCH_VENV=/path/to/venv uses another environment; PYTHON picks the
# interpreter that creates a new one (default python3).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${VISHEAT_BENCH_VENV:-$root/bench/.venv}"

if [ ! -x "$venv/bin/python" ]; then
    echo "+ creating $venv" >&2
    "${PYTHON:-python3}" -m venv "$venv"
fi
install=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check
         -c "$root/bench/constraints.txt")
echo "+ installing the peers and this checkout of visheat into $venv" >&2
"${install[@]}" -r "$root/bench/requirements.txt"
"${install[@]}" --no-deps -r "$root/bench/requirements-nodeps.txt"
"${install[@]}" -e "$root"

cd "$root"
exec "$venv/bin/python" bench/bench_heatmaps.py "$@"
