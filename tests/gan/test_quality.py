"""FID, KID and class coverage against closed forms."""

import numpy as np

from apps.gan.inference import grid
from apps.gan.quality import class_coverage, fid, frechet_distance, kid


def test_frechet_distance_of_known_gaussians_is_the_closed_form():
    mean_a, mean_b = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    var_a, var_b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 1.0])
    expected = np.sum((mean_a - mean_b) ** 2) + np.sum(var_a + var_b - 2 * np.sqrt(var_a * var_b))
    got = frechet_distance(mean_a, np.diag(var_a), mean_b, np.diag(var_b))
    assert np.isclose(got, expected)  # 5 + (1 + 1 + 4) = 11
    assert np.isclose(expected, 11.0)
    rotation = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))[0]
    rotated = frechet_distance(rotation @ mean_a, rotation @ np.diag(var_a) @ rotation.T,
                               rotation @ mean_b, rotation @ np.diag(var_b) @ rotation.T)
    assert np.isclose(rotated, expected)  # invariant under rotations


def test_fid_of_samples_approaches_the_closed_form():
    rng = np.random.default_rng(0)
    a = rng.normal(0.0, 1.0, size=(20000, 2))
    b = rng.normal([3.0, 0.0], [2.0, 1.0], size=(20000, 2))
    assert abs(fid(a, b) - (9.0 + 1.0)) < 0.2  # ||(3,0)||^2 + (1 + 4 - 2*2)
    assert fid(a, rng.normal(size=(20000, 2))) < 0.01


def test_kid_is_near_zero_for_one_distribution_and_positive_otherwise():
    rng = np.random.default_rng(1)
    same = kid(rng.normal(size=(500, 8)), rng.normal(size=(500, 8)))
    other = kid(rng.normal(size=(500, 8)), rng.normal(1.0, size=(500, 8)))
    assert abs(same) < 0.05 and other > 10 * abs(same) and other > 0.1


def test_class_coverage_is_normalised_entropy():
    uniform = np.eye(4)[np.arange(400) % 4]
    single = np.eye(4)[np.zeros(400, int)]
    half = np.eye(4)[np.arange(400) % 2]
    assert np.isclose(class_coverage(uniform), 1.0)
    assert class_coverage(single) == 0.0
    assert np.isclose(class_coverage(half), 0.5)


def test_grid_tiles_images_in_order_with_grey_gaps():
    images = np.stack([np.full((16, 16, 1), 20.0 * i) for i in range(10)])
    canvas = grid(images, columns=4, gap=4)
    assert canvas.shape == (3 * 68 - 4, 4 * 68 - 4, 3) and canvas.dtype == np.uint8
    assert (canvas[64:68] == 128).all() and (canvas[:, 64:68] == 128).all()  # the gaps
    assert canvas[68 + 10, 68 + 10, 0] == 20 * 5  # row 1, column 1: the sixth image
    assert (canvas[136:, 136:] == 128).all()  # no eleventh or twelfth image
