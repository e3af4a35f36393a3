import sys

from apps.gan.app import APP
from shared.cli import run

sys.exit(run(APP.main, prog="python -m apps.gan"))
