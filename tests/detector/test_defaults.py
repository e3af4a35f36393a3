"""Anchors fitted to hand-made boxes, and the options the data resolves."""

import json

import numpy as np

from apps.detector import anchorfit, defaults
from apps.detector.app import APP as app
from apps.detector.boxes import make_anchors
from apps.detector.config import DetectorConfig


def shapes_of(*groups):
    """(n, 2) box shapes: `count` boxes around each (w, h), jittered by +-1 px."""
    rng = np.random.default_rng(0)
    return np.concatenate([np.array([w, h]) + rng.uniform(-1, 1, (count, 2)) for w, h, count in groups])


def test_kmeans_with_the_iou_distance_finds_hand_made_shapes():
    shapes = shapes_of((10, 20, 30), (40, 40, 30), (80, 40, 30))
    centres = anchorfit.kmeans_shapes(shapes, k=3)
    np.testing.assert_allclose(centres, [[10, 20], [40, 40], [80, 40]], atol=1.0)  # by area
    np.testing.assert_array_equal(centres, anchorfit.kmeans_shapes(shapes, k=3))  # deterministic
    assert anchorfit.mean_best_iou(shapes, centres) > 0.9
    np.testing.assert_allclose(anchorfit.ratio_groups(centres), [0.5, 1.0, 2.0], atol=0.1)  # height / width


def test_kmeans_is_not_dominated_by_large_boxes():
    """Euclidean k-means would split the large boxes; 1 - IoU keeps a centre for the small ones."""
    shapes = shapes_of((4, 4, 10), (100, 100, 10), (120, 120, 10))
    centres = anchorfit.kmeans_shapes(shapes, k=2)
    assert centres[0].max() < 8 and centres[1].min() > 90


def test_fewer_distinct_shapes_than_clusters_give_fewer_centres():
    assert len(anchorfit.kmeans_shapes([[10, 10], [10, 10], [20, 30]], k=9)) == 2


def test_fitted_levels_and_sizes_cover_the_boxes():
    shapes = shapes_of((16, 16, 20), (32, 64, 20), (90, 90, 20))
    fit = anchorfit.fit_shapes(shapes, 128)
    ratios = [float(r) for r in fit["aspect_ratios"].split(",")]
    anchors = make_anchors(128, fit["min_level"], fit["max_level"], 2, ratios, fit["anchor_size"])
    sides = np.stack([anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]], axis=1)
    best = anchorfit.shape_iou(shapes, np.unique(sides, axis=0)).max(axis=1)
    assert best.min() > 0.5  # every box has an anchor shape a positive match can come from
    # 16-px boxes: anchor size 4 x stride 4 (level 2); 90-px boxes: 4 x 16 (level 4) and its larger scale
    assert (fit["min_level"], fit["max_level"], fit["anchor_size"]) == (2, 4, 4.0)


def test_the_scenes_resolve_to_the_values_the_app_always_had():
    config = DetectorConfig()
    found = app.defaults({"source": "scenes"}, config)
    assert {name: value for name, (value, _) in found.items()} == {
        "image_size": 64, "batch_size": 16, "warmup_fraction": 0.0}
    found = app.defaults({"source": "scenes", "train_images": 1170, "image_size": 64,
                          "box_shapes": shapes_of((8, 8, 5))}, config)
    values = {name: value for name, (value, _) in found.items()}
    assert values == {"min_level": 2, "max_level": 4, "aspect_ratios": "0.5,1.0,2.0", "anchor_size": 2.0,
                      "steps": 12 * 74, "epochs": 12, "patience": 8}
    given = app.defaults({"source": "scenes", "train_images": 1170}, DetectorConfig(epochs=3))
    assert "epochs" not in given and "steps" not in given


def test_files_get_fitted_anchors_and_a_budget_in_steps():
    config = DetectorConfig(data="somewhere", batch_size=8)
    profile = {"source": "files", "train_images": 100, "image_size": 128,
               "box_shapes": shapes_of((30, 60, 20), (60, 80, 20))}
    values = {name: value for name, (value, _) in app.defaults(profile, config).items()}
    fit = anchorfit.fit_shapes(profile["box_shapes"], 128)
    assert {name: values[name] for name in defaults.ANCHOR_OPTIONS} == {
        name: fit[name] for name in defaults.ANCHOR_OPTIONS}
    assert values["steps"] == defaults.step_budget(100, 8)
    assert values["epochs"] == -(-values["steps"] // 13)  # whole epochs of 13 steps
    chosen = app.defaults(profile, DetectorConfig(data="somewhere", batch_size=8, steps=130))
    assert chosen["epochs"][0] == 10 and "steps" not in chosen


def test_a_resumed_run_reuses_the_values_it_resolved(tmp_path):
    saved = {"min_level": 3, "max_level": 5, "aspect_ratios": "1,2", "anchor_size": 3.5, "steps": 99,
             "epochs": 7, "patience": 2, "image_size": 96, "batch_size": 4, "warmup_fraction": 0.1}
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "config.json").write_text(json.dumps(
        {"app": "detector", "config": {}, "resolved": {k: {"value": v, "reason": "r"} for k, v in saved.items()}}))
    config = DetectorConfig(data="somewhere", run_dir=str(run_dir))
    scan = app.defaults({"source": "files"}, config)
    profile = {"source": "files", "train_images": 100, "image_size": 96, "box_shapes": shapes_of((30, 60, 20))}
    found = {**scan, **app.defaults(profile, config)}
    assert {name: value for name, (value, _) in found.items()} == saved
    assert all("resolved when this run started" in reason for _, reason in found.values())
    resolved = {}
    resumed = app.resolve(config, {"source": "files"}, {"data", "run_dir"}, resolved)
    assert (resumed.image_size, resumed.batch_size) == (96, 4) and resolved["image_size"]["value"] == 96


def test_fitted_levels_suit_any_allowed_image_size():
    shapes = shapes_of((20, 20, 10), (150, 150, 10))  # a wide span of sizes, up to the whole image
    for size in (64, 96, 160, 224):
        fit = anchorfit.fit_shapes(shapes * size / 160, size)
        config = DetectorConfig(image_size=size, min_level=fit["min_level"], max_level=fit["max_level"],
                                anchor_size=fit["anchor_size"], aspect_ratios=fit["aspect_ratios"])
        assert size % 2**config.max_level == 0 and size // 2**config.max_level >= anchorfit.MIN_GRID
