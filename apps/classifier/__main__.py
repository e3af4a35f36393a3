import sys

from apps.classifier.app import APP
from shared.cli import run

sys.exit(run(APP.main, prog="python -m apps.classifier"))
