"""Check the resource guard's constants against measured runs.

Runs the minimal scenario (web shop only, so every potential customer can sign) with
growing numbers of potential customers, each in a fresh process, and prints its peak
memory and time, the measured cost per customer (the slope between the sizes) and its
ratio to what ``iaas_sim.engine.guard`` counts (a ratio below 1: the guard is on the safe
side).

    .venv/bin/python benchmarks/bench_guard.py [--sizes 20000,200000,1000000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import json, resource, sys, time
import iaas_sim as sim
size = {"segments[0].potential_customers": float(sys.argv[2])}
sc = sim.load_scenario(sys.argv[1]).override(size)
start = time.perf_counter()
res = sim.simulate(sc)
took = time.perf_counter() - start
signed = int(res.monthly["new_customers"].sum())
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"signed": signed, "seconds": took, "rss": rss}))
"""


def measure(size: float) -> dict[str, float]:
    scenario = str(ROOT / "scenarios/minimal.toml")
    out = subprocess.run(
        [sys.executable, "-c", CHILD, scenario, str(size)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    from iaas_sim.engine.guard import BYTES_PER_CUSTOMER, SECONDS_PER_CUSTOMER

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,200000,1000000")
    sizes = [float(s) for s in parser.parse_args().sizes.split(",")]
    rows = [measure(s) for s in sizes]
    print(f"{'potential':>12} {'signed':>10} {'seconds':>8} {'peak RSS':>10}")
    for size, r in zip(sizes, rows, strict=True):
        print(
            f"{size:>12,.0f} {r['signed']:>10,} {r['seconds']:>8.2f} {r['rss'] / 2**20:>8.0f} MiB"
        )
    first, last = rows[0], rows[-1]
    customers = last["signed"] - first["signed"]
    per_byte = (last["rss"] - first["rss"]) / customers
    per_second = (last["seconds"] - first["seconds"]) / customers
    print(
        f"memory per customer: {per_byte:,.0f} bytes, counted {BYTES_PER_CUSTOMER}: "
        f"ratio {per_byte / BYTES_PER_CUSTOMER:.2f}"
    )
    print(
        f"time per customer: {per_second * 1e6:,.1f} us, counted "
        f"{SECONDS_PER_CUSTOMER * 1e6:.0f} us: ratio {per_second / SECONDS_PER_CUSTOMER:.2f}"
    )


if __name__ == "__main__":
    main()
