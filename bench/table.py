#!/usr/bin/env python3
"""Prints the markdown tables of bench/README.md from the JSON lines compare.py saved.

Usage: bench/table.py bench/results/idle.jsonl [bench/results/busy.jsonl]
One table per file: for each workload, scratchgrad and PyTorch at 1 and 2 threads, and their ratio.
"""
import json
import sys

FIELDS = {"W1": "samples_per_second", "W2": "samples_per_second", "W3": "samples_per_second",
          "W6": "samples_per_second", "W7": "samples_per_second", "W8": "samples_per_second"}
NAMES = {"W1": "W1 notebook 004's CNN, batch 1", "W2": "W2 notebook 001's MLP, batch 200",
         "W3": "W3 LeNet-like CNN, batch 64", "W6": "W6 CIFAR-shaped CNN with batch norm, batch 128",
         "W7": "W7 char_model's MLP over 3 characters, batch 32",
         "W8": "W8 two-layer causal transformer encoder, d_model 128, sequence 64, batch 32"}


def find(rows, framework, workload, threads, **key):
    for row in rows:
        if (row.get("framework") == framework and row.get("workload") == workload and row.get("threads") == threads
                and all(row.get(k) == v for k, v in key.items())):
            return row
    return None


def workload_table(rows):
    print("| workload, samples/s | scratchgrad 1 thread | scratchgrad 2 threads | PyTorch 1 thread | PyTorch 2 threads "
          "| ratio 1 thread | ratio 2 threads | peak memory, MB (scratchgrad / PyTorch, 2 threads) |")
    print("|---|---|---|---|---|---|---|---|")
    for workload, field in FIELDS.items():
        s1, s2 = find(rows, "scratchgrad", workload, 1), find(rows, "scratchgrad", workload, 2)
        p1, p2 = find(rows, "pytorch", workload, 1), find(rows, "pytorch", workload, 2)
        if not (s1 and s2 and p1 and p2):
            continue
        print(f"| {NAMES[workload]} | {s1[field]:,.0f} | {s2[field]:,.0f} ({s2[field] / s1[field]:.2f}x) | "
              f"{p1[field]:,.0f} | {p2[field]:,.0f} ({p2[field] / p1[field]:.2f}x) | "
              f"{s1[field] / p1[field]:.2f}x | {s2[field] / p2[field]:.2f}x | "
              f"{s2.get('peak_rss_mb', 0):,.0f} / {p2.get('peak_rss_mb', 0):,.0f} |")
    w4 = [(find(rows, "scratchgrad", "W4", 1, op=op, size="1x1", variant="op"),
           find(rows, "pytorch", "W4", 1, op=op, size="1x1", variant="op")) for op in ("add", "mul", "matmul", "relu")]
    if all(s and p for s, p in w4):
        ops = ", ".join(f"{s['op']} {s['ns_per_op']:.0f} ns ({p['ns_per_op']:,.0f})" for s, p in w4)
        print(f"\nW4, forward + backward of one op on 1x1 tensors, 1 thread (PyTorch in brackets): {ops}.")
    w6 = [find(rows, "scratchgrad", "W6", t) for t in (1, 2)]
    peaks = [find(rows, "scratchgrad", "peak", t) for t in (1, 2)]
    if all(w6) and all(peaks):
        print(f"\nW6's GEMMs, timed alone: {w6[0]['gemm_share']:.0%} of a step on 1 thread, {w6[1]['gemm_share']:.0%} on 2; "
              f"they run at {w6[0]['gemm_gflops']:.0f} and {w6[1]['gemm_gflops']:.0f} GFLOP/s, against the machine's "
              f"float32 FMA peak of {peaks[0]['gflops']:.0f} and {peaks[1]['gflops']:.0f} GFLOP/s (one FMA loop per "
              f"thread); the whole step runs at {w6[0]['step_gflops']:.0f} and {w6[1]['step_gflops']:.0f} GFLOP/s of "
              f"GEMM work.")
    w9 = [row for row in rows if row.get("framework") == "scratchgrad" and row.get("workload") == "W9"
          and row.get("threads") == 1]
    if w9:
        print("\nW9, W8's ops alone at its shapes, forward + backward, microseconds a call (PyTorch's in brackets):\n")
        print("| op | input | scratchgrad 1 thread | scratchgrad 2 threads | time ratio 1 thread | time ratio 2 threads |")
        print("|---|---|---|---|---|---|")
        for s1 in w9:
            s2 = find(rows, "scratchgrad", "W9", 2, op=s1["op"])
            p1, p2 = find(rows, "pytorch", "W9", 1, op=s1["op"]), find(rows, "pytorch", "W9", 2, op=s1["op"])
            if not (s2 and p1 and p2):
                continue
            print(f"| {s1['op']} | {s1['shape']} | {s1['us_per_call']:,.0f} ({p1['us_per_call']:,.0f}) | "
                  f"{s2['us_per_call']:,.0f} ({p2['us_per_call']:,.0f}) | {s1['us_per_call'] / p1['us_per_call']:.2f} | "
                  f"{s2['us_per_call'] / p2['us_per_call']:.2f} |")


def main():
    for path in sys.argv[1:]:
        with open(path) as f:
            rows = [json.loads(line) for line in f if line.strip()]
        print(f"\n{path}:\n")
        workload_table(rows)


if __name__ == "__main__":
    main()
