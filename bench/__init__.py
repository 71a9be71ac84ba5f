"""rsfleet benchmarks: each `bench/bench_<name>.py` measures rsfleet beside a baseline."""
