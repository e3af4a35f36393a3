"""Learning-rate schedules the apps share: linear warm-up then cosine decay.

Keras' own `CosineDecay` does both (`warmup_target`, `warmup_steps`); this
module only turns "a peak rate, a budget in steps and a warm-up fraction"
into it, with the same meaning in every app.
"""

from __future__ import annotations

import keras


def warmup_cosine(peak_rate, total_steps, warmup_fraction=0.05, final_fraction=0.01):
    """Linear warm-up from ~0 to `peak_rate` over `warmup_fraction` of `total_steps`,
    then cosine decay to `final_fraction * peak_rate` at `total_steps`.

    With `total_steps` falsy the rate is the constant `peak_rate`."""
    if not total_steps:
        return peak_rate
    total_steps = int(total_steps)
    warmup = int(round(total_steps * max(0.0, float(warmup_fraction))))
    warmup = min(warmup, total_steps - 1) if total_steps > 1 else 0
    if warmup <= 0:
        return keras.optimizers.schedules.CosineDecay(peak_rate, total_steps, alpha=final_fraction)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=peak_rate * 1e-3, decay_steps=total_steps - warmup, alpha=final_fraction,
        warmup_target=peak_rate, warmup_steps=warmup)
