"""TensorBoard, looked at: a screenshot of the scalars dashboard.

`python -m bench tensorboard [--data LOGDIR]` serves LOGDIR (default: two
fresh smoke runs, classifier and segmenter) with the real TensorBoard server
on a free localhost port, renders the scalars page in headless Chromium
(Debian's `chromium` package: `apt-get install chromium`) and writes
`<out>/tensorboard.png`. The README's picture (`docs/tensorboard.png`) is
one such screenshot. Not part of `make test`: it needs a browser.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from scripts.local_workers import free_ports

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def smoke_runs(logdir):
    from apps.classifier import main as classifier
    from apps.segmenter import main as segmenter

    for name, seed in (("small", 1), ("wider", 2)):
        classifier(["train", "--run-dir", str(logdir / "classifier" / name), "--epochs", "4",
                    "--max-train-samples", "400", "--seed", str(seed), "--patience", "0"])
    segmenter(["train", "--run-dir", str(logdir / "segmenter" / "smoke"), "--scenes", "80",
               "--image-size", "32", "--epochs", "4", "--patience", "0", "--batch-size", "8"])


def wait_until_served(port, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/data/runs", timeout=5) as reply:
                if reply.read().strip() not in (b"", b"[]"):
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("TensorBoard did not serve any run")


def screenshot(url, out):
    browser = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    if browser is None:
        raise RuntimeError("no headless Chromium found: apt-get install chromium")
    profile = tempfile.mkdtemp(prefix="chromium-")
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", f"--user-data-dir={profile}", "--hide-scrollbars",
                    "--window-size=1400,1000", "--virtual-time-budget=20000",
                    f"--screenshot={out}", url], check=True, capture_output=True, timeout=180)
    shutil.rmtree(profile, ignore_errors=True)


def run(args):
    logdir = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="tb-")) / "logs"
    if not args.data:
        smoke_runs(logdir)
    port = free_ports(1)[0]
    server = subprocess.Popen([str(Path(sys.executable).with_name("tensorboard")), "--logdir",
                               str(logdir), "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = Path(args.out) / "tensorboard.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        wait_until_served(port)
        screenshot(f"http://127.0.0.1:{port}/#scalars&_smoothingWeight=0&tagFilter=epoch_(loss|accuracy|mean_iou)", out)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"logdir": str(logdir), "screenshot": str(out), "bytes": out.stat().st_size}
