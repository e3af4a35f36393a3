CASES = [
    {"name": "segmenter horses", "app": "segmenter", "data": "horses", "metric": "test.foreground_iou",
     "bar": (">=", 0.80), "minutes": 10},
    {"name": "segmenter camvid U-Net", "app": "segmenter", "data": "camvid_val", "metric": "test.mean_iou",
     "bar": (">=", 0.50), "minutes": 15},
    # The baseline at the same (resolved) budget: the U-Net's mean IoU must be at least this one's.
    {"name": "segmenter camvid FCN", "app": "segmenter", "data": "camvid_val", "argv": ["--model", "fcn"],
     "metric": "test.mean_iou", "bar": None, "minutes": 15},
]
