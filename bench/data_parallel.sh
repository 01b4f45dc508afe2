#!/usr/bin/env bash
# W3's scaling with data parallel: scratchgrad over MPI (bench_data_parallel under mpirun) and PyTorch's
# DistributedDataParallel over gloo (torch_ddp.py), with 1 and 2 processes of 1 thread each, a global batch
# of 64. Prints one JSON line per run. Build first (cmake --build build --target bench_data_parallel).
# Usage: bench/data_parallel.sh [--steps N] [--embedded]
#   --steps N     time N steps instead of one epoch (a quick check that everything runs)
#   --embedded    the committed subset instead of the full MNIST from datasets/fetch (checks only)
set -euo pipefail
cd "$(dirname "$0")/.."

steps=-1
source=full
data_dir="${SG_DATA_DIR:-datasets/data}"
while (($#)); do
  case "$1" in
    --steps) steps="$2"; shift 2 ;;
    --embedded) source=embedded; data_dir=datasets/embedded; shift ;;
    *) echo "usage: bench/data_parallel.sh [--steps N] [--embedded]" >&2; exit 2 ;;
  esac
done
build="${BUILD:-build}"
mpirun_flags=()
[ "$(id -u)" -ne 0 ] || mpirun_flags+=(--allow-run-as-root)

for processes in 1 2; do
  OMP_NUM_THREADS=1 mpirun "${mpirun_flags[@]}" -np "$processes" "$build/bench/bench_data_parallel" \
    --steps "$steps" --threads 1 --source "$source" --data-dir "$data_dir"
  OMP_NUM_THREADS=1 /usr/bin/python3 bench/torch_ddp.py --processes "$processes" --steps "$steps" --threads 1 \
    --data-dir "$data_dir"
done
