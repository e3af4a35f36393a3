import sys

from apps.memory.app import APP
from shared.cli import run

sys.exit(run(APP.main, prog="python -m apps.memory"))
