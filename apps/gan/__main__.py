import sys

from apps.gan.train import main
from shared.cli import run

sys.exit(run(main, prog="python -m apps.gan"))
