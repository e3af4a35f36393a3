"""The procedures of the seven experiments, one module each, declared as Apps in apps/foundations/app.py.

Each module but `mlp` gives `load_data(config)` (read or generate and check
the data: no run folder exists yet) and `run_experiment(run, data)`, which
trains its networks in sub-runs of `run` with `shared.training.fit_phase`
and returns (test metrics, other metrics.json entries, epochs). `mlp` gives
the pieces of the demo experiment, whose hooks are the App's own.
"""
