"""Benchmarks: quality at a fixed budget and throughput ratios (not in CI).

`python -m bench <app> [--data PATH]` runs `bench/<app>.py`'s
`run(args) -> dict` and writes `bench/results/<app>.json`. Each benchmark
measures our app and a plain reference implementation of the same model on
the same data in the same process, and reports their ratio.
"""
