"""Memory benchmark: the NTM against the LSTM of the same size, and the NTM's seeds.

`python -m bench memory [--only CASE,CASE]` trains, each with the app's
defaults (`python -m apps.memory train` plus the case's flags):

- `ntm-copy-default` (the default seed, 42) and `ntm-copy-seed0/1/2`: the
  default run (copy, lengths 1..20) with seeds 42, 0, 1, 2: how many
  converge (bit errors per sequence < 0.5 at the training lengths and < 2
  at length 40);
- `lstm-copy`: `--model lstm`, same budget and seed as `ntm-copy-default`
  (the bar: >= 5x the NTM's bit errors at length 40);
- `ntm-recall`, `lstm-recall`: associative recall at equal budget (the bar:
  the NTM has fewer bit errors).

Reported per case: the test metrics, wall seconds and parameters; then the
bars with their values.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from apps.memory import main

CASES = {
    "ntm-copy-default": [],
    "ntm-copy-seed0": ["--seed", "0"],
    "ntm-copy-seed1": ["--seed", "1"],
    "ntm-copy-seed2": ["--seed", "2"],
    "lstm-copy": ["--model", "lstm"],
    "ntm-recall": ["--seed", "0", "--task", "associative-recall"],
    "lstm-recall": ["--seed", "0", "--task", "associative-recall", "--model", "lstm"],
}


def converged(test):
    return test.get("bit_errors_train", float("inf")) < 0.5 and test.get("bit_errors_L40", float("inf")) < 2.0


def bars(results):
    """The issue's bars from whichever cases ran."""
    found = {}
    seeds = [name for name in results if name.startswith("ntm-copy-")]
    if seeds:
        found["ntm_copy_converged_seeds"] = f"{sum(converged(results[n]['test']) for n in seeds)} of {len(seeds)}"
    if "ntm-copy-default" in results and "lstm-copy" in results:
        ntm = results["ntm-copy-default"]["test"]["bit_errors_L40"]
        lstm = results["lstm-copy"]["test"]["bit_errors_L40"]
        found["lstm_over_ntm_bit_errors_L40"] = lstm / max(ntm, 1e-9)
    if "ntm-recall" in results and "lstm-recall" in results:
        found["recall_ntm_bit_errors"] = results["ntm-recall"]["test"]["bit_errors"]
        found["recall_lstm_bit_errors"] = results["lstm-recall"]["test"]["bit_errors"]
    return found


def run(args):
    chosen = [name.strip() for name in (args.only or "").split(",") if name.strip()] or list(CASES)
    unknown = sorted(set(chosen) - set(CASES))
    if unknown:
        raise SystemExit(f"unknown memory case(s) {', '.join(unknown)}; known: {', '.join(CASES)}")
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for name in chosen:
            metrics = main(["train", "--run-dir", str(Path(folder) / name), *CASES[name]])
            results[name] = {"argv": ["train", *CASES[name]], "test": metrics["test"],
                             "seconds": metrics["seconds"], "parameters": metrics["parameters"]}
    return {"cases": results, "bars": bars(results)}
