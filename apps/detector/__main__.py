import sys

from apps.detector.app import APP
from shared.cli import run

sys.exit(run(APP.main, prog="python -m apps.detector"))
