"""Mask values as users store them -> compact class ids 0..K-1, and back.

A mask set whose classes are not named (no `--classes`, no classes file) is
read by the values found in it (`infer_values`):
- two values (0/1, 0/255, 0 and any other value, a two-colour palette PNG):
  a binary set, the lower value is class 0 (background);
- values that are class ids times a constant (0, 38, 75, 113...: the id
  times 255/(K-1) or any step, rounded; plain ids 0, 1, 2... are step 1):
  one class per value found;
- a binary set stored lossily (JPEG masks): nearly every pixel close to the
  darkest or the brightest value: two classes, split at their midpoint;
- anything else (40 grey values that follow no pattern) is ambiguous: one
  line naming a file and the values found.

The mapping is the list of the original values of classes 0..K-1
(`mask_values`); a raw value maps to the class of the nearest listed value
(`to_ids`), so JPEG noise falls to its class. It is saved with the run
(config.json, labels.json, model.keras) and applied by predict and the
export, which return the original values.
"""

from __future__ import annotations

import numpy as np

from shared.errors import DataError, UsageError

NOISE_BAND = 0.25  # JPEG masks: pixels further than this share of the range from both extremes...
NOISE_SHARE = 0.05  # ...may be at most this share of a file's pixels
MAX_SHOWN = 12


def parse_values(text):
    """'0,255' -> [0, 255] (UsageError quoting the text)."""
    try:
        values = [int(item) for item in str(text).split(",") if item.strip()]
    except ValueError:
        values = []
    if not values or len(set(values)) != len(values) or values != sorted(values):
        raise UsageError(f"--mask-values: expected increasing distinct integers like 0,255; got {text!r}")
    return values


def format_values(values):
    return ",".join(str(int(v)) for v in values)


def shown(values):
    values = [int(v) for v in values]
    text = ", ".join(map(str, values[:MAX_SHOWN]))
    return text + (f", ... ({len(values)} distinct values)" if len(values) > MAX_SHOWN else "")


def step_pattern(values):
    """The constant c when every value is round(id * c) for distinct ids, dense enough; else None."""
    nonzero = values[values > 0]
    if not len(nonzero):
        return None
    candidates = sorted({1.0, float(nonzero[0]), float(np.gcd.reduce(nonzero.astype("int64")))}, reverse=True)
    for guess in candidates:
        ids = np.round(values / guess)
        if len(np.unique(ids)) != len(values):
            continue
        step = float((values * ids).sum() / max((ids * ids).sum(), 1.0))
        if step <= 0 or np.abs(values - ids * step).max() > max(1.0, 0.02 * step):
            continue
        if len(values) * 2 >= ids.max() - ids.min() + 1:  # dense: ids, not scattered grey levels
            return step
    return None


def noisy_binary(masks):
    """True when nearly every pixel of every mask is near its darkest or brightest value."""
    low = min(int(m.min()) for m in masks)
    high = max(int(m.max()) for m in masks)
    if high - low < 32:
        return False
    band = NOISE_BAND * (high - low)
    for mask in masks:
        middle = (mask > low + band) & (mask < high - band)
        if middle.mean() > NOISE_SHARE:
            return False
    return True


def infer_values(masks, paths, ignore_index=None):
    """(original values of classes 0..K-1, how they were recognised) of a mask set."""
    found = np.unique(np.concatenate([np.unique(m) for m in masks])) if masks else np.zeros(0, "int64")
    if ignore_index is not None:
        found = found[found != ignore_index]
    if len(found) and found.min() < 0:
        raise DataError(paths[0] if paths else "masks", f"negative mask value {int(found.min())}")
    if len(found) <= 2:
        values = [int(v) for v in found] or [0]
        if len(values) == 1:
            values = [0, values[0]] if values[0] > 0 else [0, 1]
        return values, f"binary masks (values {format_values(values)})"
    step = step_pattern(found.astype("float64"))
    if step is not None:
        kind = "class ids" if step == 1.0 else f"class ids times {step:.4g}"
        return [int(v) for v in found], f"{kind} ({shown(found)}): {len(found)} classes"
    if noisy_binary(masks):
        low, high = int(found.min()), int(found.max())
        return [low, high], (f"binary masks stored lossily ({len(found)} values, nearly all near {low} or "
                             f"{high}): split at {(low + high) / 2:g}")
    worst = int(np.argmax([len(np.unique(m)) for m in masks]))
    raise DataError(paths[worst], f"ambiguous mask values: {shown(np.unique(masks[worst]))} (neither binary "
                    "nor class ids times a constant); name the classes with --classes or classes.csv and "
                    "store masks as class ids, or give --mask-values")


def to_ids(mask, values, ignore_index=None):
    """Raw mask values -> compact ids (nearest listed value); the void value is kept as it is."""
    table = np.asarray(values, "float64")
    if len(table) == 1:
        ids = np.zeros(mask.shape, "int32")
    else:
        edges = (table[1:] + table[:-1]) / 2.0
        ids = np.searchsorted(edges, mask, side="right").astype("int32")
    if ignore_index is not None:
        ids = np.where(mask == ignore_index, ignore_index, ids)
    return ids


def class_names(values):
    """Names of the classes of inferred values: background/foreground, or the values themselves."""
    if len(values) == 2:
        return ["background", "foreground"]
    return [str(v) for v in values]
