import sys

from apps.word2vec.app import APP
from shared.cli import run

sys.exit(run(APP.main, prog="python -m apps.word2vec"))
