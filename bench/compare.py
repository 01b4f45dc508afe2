#!/usr/bin/env python3
"""Runs every workload in scratchgrad (bench_workloads) and in PyTorch (torch_ref.py) at 1 and 2 threads,
each in its own process (so peak memory is per workload), saves the JSON lines to bench/results/idle.jsonl
and prints the ratios; bench/table.py turns the saved lines into bench/README.md's tables. Before each workload's 2-thread runs it measures what a second thread adds
on the machine at that moment (bench_workloads --workload cores), to read the 2-thread figures by.

With --busy, it first starts one process that spins on a core (the browser, build or second program of a
learner's laptop) and ends it when done, so the figures show what each framework gives on a machine where
a core is taken; results go to bench/results/busy.jsonl then.

Usage: bench/compare.py [--build build] [--repeats 5] [--workloads W1,W2,W3,W4,W5,W6,W7,W8,W9,hvp] [--busy]
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(command):
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workloads", default="W1,W2,W3,W4,W5,W6,W7,W8,W9,hvp")
    parser.add_argument("--busy", action="store_true", help="keep one core busy with a spinning process meanwhile")
    args = parser.parse_args()
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.busy else None
    try:
        rows = compare(args)
    finally:
        if spinner:
            spinner.kill()
            spinner.wait()
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "busy.jsonl" if args.busy else "idle.jsonl"), "w") as f:
        for row in rows:
            f.write(json.dumps(dict(row, busy=args.busy)) + "\n")


def compare(args):
    ours = os.path.join(args.build, "bench", "bench_workloads")
    rows = []
    for threads in (1, 2):  # the machine's FMA peak, to read the GFLOP/s figures by
        (peak,) = run(["env", f"OMP_NUM_THREADS={threads}", ours, "--workload", "peak", "--threads", str(threads)])
        rows.append(peak)
        print(f"{'machine peak t=' + str(threads):60s} {peak['gflops']:.1f} GFLOP/s (float32 FMA)")
    for workload in args.workloads.split(","):
        for threads in (1, 2):
            env_threads = ["env", f"OMP_NUM_THREADS={threads}"]
            if threads == 2:
                (check,) = run(env_threads + [ours, "--workload", "cores", "--threads", "2"])
                check["before"] = workload
                rows.append(check)
                print(f"{'machine before ' + workload + ' t=2':60s} two threads {check['two_thread_speedup']:.2f}x one, "
                      f"core-to-core hand-off {check['handoff_ns']:.0f} ns")
            mine = run(env_threads + [ours, "--workload", workload, "--threads", str(threads), "--repeats", str(args.repeats)])
            theirs = run(env_threads + [sys.executable, os.path.join(HERE, "torch_ref.py"),
                                          "--workload", workload, "--threads", str(threads), "--repeats", str(args.repeats)])
            rows += mine + theirs
            for m in mine:
                key = {k: m[k] for k in ("shape", "trans", "op", "size", "variant") if k in m}  # which row of W4, W5, W9
                t = next((r for r in theirs if all(r.get(k) == v for k, v in key.items())), None)
                for field in ("samples_per_second", "seconds_per_epoch", "test_accuracy", "gflops", "ns_per_op", "gemm_share",
                              "gemm_gflops", "step_gflops", "us_per_step", "us_per_call", "backward_us", "hvp_us", "hvp_over_backward",
                              "peak_rss_mb"):
                    if field in m:
                        label = f"{workload} t={threads} {field} " + " ".join(str(v) for v in key.values())
                        if t and field in t:
                            print(f"{label:60s} scratchgrad {m[field]:12.4f}  pytorch {t[field]:12.4f}  ratio {m[field] / t[field]:6.2f}")
                        else:
                            print(f"{label:60s} scratchgrad {m[field]:12.4f}")
            sys.stdout.flush()
    return rows


if __name__ == "__main__":
    main()
