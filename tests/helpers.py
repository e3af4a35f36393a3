"""Helpers shared by the tests: event files, layer round trips, image fixtures."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np


def event_tags(log_dir):
    """{run subfolder: {tag: kind}} of every TensorBoard event file below log_dir.

    kind is "image" for image summaries, "scalar" for scalars and "other";
    "graph" for a Keras model graph; a TF op graph shows as the tag "__graph__".
    """
    import tensorflow as tf

    found = defaultdict(dict)
    for path in Path(log_dir).rglob("events.out.tfevents.*"):
        run = str(path.parent.relative_to(log_dir))
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            if event.graph_def:
                found[run]["__graph__"] = "graph"
            for value in event.summary.value:
                plugin = value.metadata.plugin_data.plugin_name
                kind = {"images": "image", "scalars": "scalar", "graph_keras_model": "graph"}.get(plugin, "other")
                found[run][value.tag] = kind
    return dict(found)


def write_png(path, array):
    from PIL import Image

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array, dtype="uint8")).save(path)
    return path


def jpeg_bytes(array, quality=90):
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(array, dtype="uint8")).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def shape_image(kind, size=24, seed=0, mode="RGB"):
    """A filled square or disk on noise, in the given PIL mode."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    centre = size / 2 + rng.uniform(-2, 2, size=2)
    radius = size / 3
    if kind == "square":
        mask = (np.abs(yy - centre[0]) < radius) & (np.abs(xx - centre[1]) < radius)
    else:
        mask = (yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 < radius**2
    base = rng.integers(0, 60, size=(size, size, 3))
    base[mask] = (220, 200, 40) if kind == "square" else (40, 120, 230)
    image = Image.fromarray(base.astype("uint8"), "RGB")
    return image.convert(mode)


def write_class_folder(root, per_class=8, modes=("RGB", "L", "RGBA"), size=24):
    """root/square/*.png|jpg and root/disk/*.png of mixed modes."""
    root = Path(root)
    for label, kind in enumerate(("square", "disk")):
        folder = root / kind
        folder.mkdir(parents=True, exist_ok=True)
        for index in range(per_class):
            mode = modes[index % len(modes)]
            image = shape_image(kind, size, seed=label * 1000 + index, mode=mode)
            suffix = ".jpg" if mode == "RGB" and index % 2 else ".png"
            image.save(folder / f"{kind}-{index:02d}{suffix}")
    return root


def api_predict_in_subprocess(app, run_dir, inputs, **options):
    """`apps.<app>.load(run_dir).predict(inputs)` in a fresh interpreter, as JSON rows."""
    code = ("import json, sys; import apps.{app} as app; "
            "args = json.loads(sys.argv[1]); "
            "print(json.dumps(app.load(args['run']).predict(args['inputs'], **args['options']), default=str))")
    payload = json.dumps({"run": str(run_dir), "inputs": [str(i) for i in inputs], "options": options})
    done = subprocess.run([sys.executable, "-c", code.format(app=app), payload], capture_output=True,
                          text=True, check=False, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def model_file_predict_in_subprocess(run_dir, inputs):
    """`keras.saving.load_model(RUN/model.keras, safe_mode=True).predict(inputs)` in a fresh
    interpreter after `import apps` only; returns the outputs as JSON-able lists.

    `inputs`: a list of strings, of bytes (encoded images), or of numbers / number
    lists (float32), passed as one batch.
    """
    code = (
        "import base64, json, sys\n"
        "import numpy as np\n"
        "import apps, keras, tensorflow as tf\n"
        "args = json.loads(sys.argv[1])\n"
        "values = [base64.b64decode(v) if args['bytes'] else v for v in args['inputs']]\n"
        "model = keras.saving.load_model(args['model'], safe_mode=True)\n"
        "text = bool(values) and isinstance(values[0], str)\n"
        "batch = tf.constant(values) if args['bytes'] else np.array(values, dtype=object if text else 'float32')\n"
        "out = model.predict(batch, verbose=0)\n"
        "out = out if isinstance(out, dict) else {'output': out}\n"
        "def plain(a):\n"
        "    a = np.asarray(a)\n"
        "    return [x.decode() for x in a.ravel()] if a.dtype.kind in 'OS' else a.tolist()\n"
        "print(json.dumps({k: plain(v) for k, v in out.items()}))\n")
    is_bytes = bool(inputs) and isinstance(inputs[0], bytes)
    payload = json.dumps({"model": str(Path(run_dir) / "model.keras"), "bytes": is_bytes,
                          "inputs": [base64.b64encode(v).decode() if is_bytes else v for v in inputs]})
    done = subprocess.run([sys.executable, "-c", code, payload], capture_output=True, text=True,
                          check=False, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
