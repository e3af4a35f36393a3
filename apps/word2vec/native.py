"""word2vec's native training kernel: build it, load it, update a step with it.

`kernels/negative_sampling.cc` is one TensorFlow op that runs word2vec's
own per-example SGD loop (the C code's, example after example, in place)
over a step's examples, which TensorFlow ops still make in-graph. A step
of batched TensorFlow ops pays 0.1-1 ms for each pass over a (examples x
dim) tensor on a CPU; the op does the whole update in one pass, in cache.

`python -m apps.word2vec.native` (run by `make`) compiles it against the
installed TensorFlow with the system C++ compiler into
`kernels/build/negative_sampling.so`; without a compiler, training falls
back to TensorFlow ops (`--kernel tf`), which need nothing built.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import tensorflow as tf

log = logging.getLogger("annsuite")

SOURCE = Path(__file__).parent / "kernels" / "negative_sampling.cc"
LIBRARY = Path(__file__).parent / "kernels" / "build" / "negative_sampling.so"
FLAGS = ["-shared", "-fPIC", "-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math",
         "-fassociative-math", "-fno-signed-zeros", "-w"]  # reassociation: vectorised dot products
# TensorFlow's bundled Eigen does not compile with AVX512-FP16 on (PacketMathFP16.h), which
# -march=native turns on for CPUs that have it: switched off where the compiler knows the flag.
OPTIONAL_FLAGS = ["-mno-avx512fp16"]


def compiler():
    return shutil.which("g++") or shutil.which("c++")


def accepted_flags(cxx, flags=OPTIONAL_FLAGS):
    """The `flags` that `cxx` accepts (after -march=native), each tried on an empty source."""
    def accepts(flag):
        probe = [cxx, "-march=native", flag, "-x", "c++", "-fsyntax-only", "-"]
        return subprocess.run(probe, input="", capture_output=True, text=True).returncode == 0

    return [flag for flag in flags if accepts(flag)]


def build(force=False):
    """Compile the op if it is missing or older than its source; returns the library path or None."""
    if LIBRARY.exists() and LIBRARY.stat().st_mtime >= SOURCE.stat().st_mtime and not force:
        return LIBRARY
    cxx = compiler()
    if cxx is None:
        log.warning("no C++ compiler: word2vec trains with TensorFlow ops (--kernel tf)")
        return None
    LIBRARY.parent.mkdir(parents=True, exist_ok=True)
    command = [cxx, *FLAGS, *accepted_flags(cxx), *tf.sysconfig.get_compile_flags(), str(SOURCE),
               "-o", str(LIBRARY), *tf.sysconfig.get_link_flags()]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        LIBRARY.unlink(missing_ok=True)
        log.warning("building %s failed, word2vec trains with TensorFlow ops:\n%s", SOURCE.name,
                    done.stderr[-2000:])
        return None
    load.cache_clear()
    return LIBRARY


@functools.cache
def load():
    """The loaded op library, or None when it is not built (or was built for another TensorFlow)."""
    if not LIBRARY.exists():
        return None
    try:
        return tf.load_op_library(str(LIBRARY))
    except (tf.errors.NotFoundError, OSError) as error:
        log.warning("cannot load %s (%s): rebuild it with `python -m apps.word2vec.native`", LIBRARY, error)
        return None


def available():
    return load() is not None


def update(model, batch, rate):
    """The `native` kernel: `model`'s (a Word2Vec) update of one step's examples; returns their losses."""
    centres, contexts = batch["center"], batch["context"]
    if model.architecture == "skipgram":
        contexts = contexts[:, None]
    noise = model.sample_noise(tf.shape(centres)[0])  # every example draws its own
    return load().negative_sampling_update(model.vectors.value.handle, model.output_vectors.value.handle,
                                           centres, contexts, noise, rate)


def main(argv=None):
    """Build the op; exit 0 also without a compiler (training then uses TensorFlow ops)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    force = "--force" in (sys.argv[1:] if argv is None else argv)
    path = build(force=force)
    print(f"word2vec native kernel: {path}" if path else "word2vec native kernel: not built (--kernel tf)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
