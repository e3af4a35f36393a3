"""Small detection data sets in the real formats, written by the tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from apps.detector.scenes import generate_scenes

VOC_OBJECT = ("<object><name>{name}</name><bndbox><xmin>{x0}</xmin><ymin>{y0}</ymin>"
              "<xmax>{x1}</xmax><ymax>{y1}</ymax></bndbox></object>")


def scene_files(folder, count=4, size=48, seed=3):
    """Write `count` generated scenes as JPEGs; return (paths, boxes, class names)."""
    from PIL import Image

    from apps.detector.scenes import CLASS_NAMES

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    images, boxes, classes = generate_scenes(count, size, seed)
    paths = []
    for index, image in enumerate(images):
        path = folder / f"img{index:02d}.jpg"
        Image.fromarray(image.astype("uint8")).save(path, quality=95)
        paths.append(path)
    return paths, boxes, [[CLASS_NAMES[c] for c in cls] for cls in classes]


def write_voc(root, count=4, layout="pascal", size=48):
    """Pascal VOC: root/Annotations/*.xml + root/JPEGImages/*.jpg (or both in root)."""
    root = Path(root)
    images = root / "JPEGImages" if layout == "pascal" else root
    notes = root / "Annotations" if layout == "pascal" else root
    notes.mkdir(parents=True, exist_ok=True)
    paths, boxes, names = scene_files(images, count, size)
    for path, image_boxes, image_names in zip(paths, boxes, names):
        objects = "".join(VOC_OBJECT.format(name=n, x0=int(b[0]) + 1, y0=int(b[1]) + 1, x1=int(b[2]), y1=int(b[3]))
                          for b, n in zip(image_boxes, image_names))
        (notes / f"{path.stem}.xml").write_text(
            f"<annotation><filename>{path.name}</filename><size><width>{size}</width>"
            f"<height>{size}</height><depth>3</depth></size>{objects}</annotation>")
    return root, boxes, names


def write_coco(root, count=4, size=48):
    """COCO: root/annotations/instances_train.json + root/train/*.jpg."""
    root = Path(root)
    paths, boxes, names = scene_files(root / "train", count, size)
    categories = sorted({n for image_names in names for n in image_names})
    document = {"images": [], "annotations": [],
                "categories": [{"id": 10 + i, "name": n} for i, n in enumerate(categories)]}
    for image_id, (path, image_boxes, image_names) in enumerate(zip(paths, boxes, names), start=1):
        document["images"].append({"id": image_id, "file_name": path.name, "width": size, "height": size})
        for box, name in zip(image_boxes, image_names):
            document["annotations"].append({
                "id": len(document["annotations"]) + 1, "image_id": image_id,
                "category_id": 10 + categories.index(name), "iscrowd": 0,
                "bbox": [float(box[0]), float(box[1]), float(box[2] - box[0]), float(box[3] - box[1])]})
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    path = root / "annotations" / "instances_train.json"
    path.write_text(json.dumps(document))
    return path, boxes, names


def write_csv(root, count=4, size=48):
    """The flat CSV beside its images."""
    root = Path(root)
    paths, boxes, names = scene_files(root, count, size)
    lines = ["filename,width,height,class,xmin,ymin,xmax,ymax"]
    for path, image_boxes, image_names in zip(paths, boxes, names):
        for box, name in zip(image_boxes, image_names):
            lines.append(f"{path.name},{size},{size},{name},{int(box[0])},{int(box[1])},{int(box[2])},{int(box[3])}")
    csv_path = root / "labels.csv"
    csv_path.write_text("\n".join(lines) + "\n")
    return csv_path, boxes, names


def truncate(path):
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[: len(data) // 3])


def boxes_close(actual, expected, scale=1.0):
    return np.allclose(np.asarray(actual), np.asarray(expected) * scale, atol=1e-3)
