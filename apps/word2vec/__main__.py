import sys

from apps.word2vec.train import main
from shared.cli import run

sys.exit(run(main, prog="python -m apps.word2vec"))
