"""Augmentation keeps boxes right: a known box checked after each transform."""

import numpy as np
import pytest

from apps.detector.augment import colour_jitter, flip_horizontal, random_augment, scale_crop
from apps.detector.scenes import mask_box

SIZE = 32
BOX = np.array([[4, 8, 12, 24]], "float32")  # x 4..12, y 8..24


def image_with_box(box=BOX[0], size=SIZE):
    image = np.full((size, size, 3), 40.0, "float32")
    x0, y0, x1, y1 = box.astype(int)
    image[y0:y1, x0:x1] = 220.0
    return image


def drawn_box(image):
    """The extent of the bright pixels (the drawn object) after a transform."""
    return mask_box(np.asarray(image)[..., 0] > 130)


def test_flip_moves_the_box_with_the_pixels():
    image, boxes = flip_horizontal(image_with_box(), BOX)
    np.testing.assert_allclose(np.asarray(boxes)[0], [20, 8, 28, 24])
    np.testing.assert_allclose(drawn_box(image), np.asarray(boxes)[0])


@pytest.mark.parametrize("window,top,left,expected", [
    (16, 4, 0, [8, 8, 24, 32]),  # zoom in x2: the box fills more of the picture
    (64, -16, -16, [10, 12, 14, 20]),  # zoom out x0.5 with the image in the middle
    (32, 0, 0, [4, 8, 12, 24]),  # the identity
])
def test_scale_crop_transforms_the_box_like_the_pixels(window, top, left, expected):
    image, boxes, classes = scale_crop(image_with_box(), BOX, np.array([2], "int32"), window, top, left)
    np.testing.assert_allclose(np.asarray(boxes)[0], expected)
    np.testing.assert_allclose(drawn_box(image), expected, atol=1)
    assert np.asarray(classes).tolist() == [2]


def test_crop_drops_a_box_that_is_mostly_cut_away_and_clips_one_that_is_not():
    boxes = np.array([[4, 8, 12, 24], [0, 0, 8, 4]], "float32")
    _, kept, classes = scale_crop(image_with_box(), boxes, np.array([0, 1], "int32"), 16, 6, 2)
    # Box 1 keeps 112 of its 128 pixels (kept, clipped, scaled x2); box 2 lies outside the window.
    assert np.asarray(classes).tolist() == [0]
    np.testing.assert_allclose(np.asarray(kept)[0], [4, 4, 20, 32])


def test_colour_jitter_changes_pixels_not_boxes():
    image = colour_jitter(image_with_box(), 20.0, 1.2, 0.5)
    assert not np.allclose(np.asarray(image), image_with_box())
    np.testing.assert_allclose(drawn_box(image), BOX[0])
    assert float(np.min(image)) >= 0 and float(np.max(image)) <= 255


def test_random_augment_is_reproducible_and_boxes_follow_the_object():
    for seed in range(6):
        image, boxes, classes = random_augment(image_with_box(), BOX, np.array([1], "int32"), np.array([seed, 7]))
        again = random_augment(image_with_box(), BOX, np.array([1], "int32"), np.array([seed, 7]))[0]
        np.testing.assert_array_equal(np.asarray(image), np.asarray(again))
        if len(boxes):
            np.testing.assert_allclose(drawn_box(image), np.asarray(boxes)[0], atol=1.5)
