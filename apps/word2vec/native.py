"""word2vec's native training kernel: build it, load it, update a step with it.

`kernels/negative_sampling.cc` is one TensorFlow op that runs word2vec's
own per-example SGD loop (the C code's, example after example, in place)
over a step's examples, which TensorFlow ops still make in-graph. A step
of batched TensorFlow ops pays 0.1-1 ms for each pass over a (examples x
dim) tensor on a CPU; the op does the whole update in one pass, in cache.

`python -m apps.word2vec.native` (run by `make`) compiles it against the
installed TensorFlow with the system C++ compiler into
`kernels/build/negative_sampling-<key>.so`, where the key digests the
source, the TensorFlow version, the compiler and this CPU's instruction-set
flags (it is built with `-march=native`): a checkout shared between machines
(NFS, a copied image) never loads a library built for another CPU (which
would die of SIGILL) or another TensorFlow; each machine builds its own. The
build writes a private temporary file and renames it into place, so a
concurrent build or load never sees half a file. Without a compiler, or
when loading fails, training falls back to TensorFlow ops (`--kernel tf`)
with one line in the log.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import tensorflow as tf

log = logging.getLogger("annsuite")

SOURCE = Path(__file__).parent / "kernels" / "negative_sampling.cc"
BUILD = Path(__file__).parent / "kernels" / "build"
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


def cpu_flags():
    """This CPU's instruction-set flags (Linux /proc/cpuinfo), else the machine type."""
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.startswith(("flags", "Features")):
                return " ".join(sorted(line.partition(":")[2].split()))
    except OSError:
        pass
    return platform.machine()


def library_key(cxx=None):
    """A digest of what the compiled library depends on: source, TensorFlow, compiler, CPU."""
    cxx = cxx or compiler() or "none"
    parts = [SOURCE.read_bytes(), tf.__version__.encode(), cxx.encode(), " ".join(FLAGS).encode(),
             cpu_flags().encode(), platform.machine().encode()]
    return hashlib.sha1(b"\0".join(parts)).hexdigest()[:16]


def library_path():
    """The library for this machine (it may not be built yet)."""
    return BUILD / f"negative_sampling-{library_key()}.so"


def build(force=False):
    """Compile the op for this machine unless built; returns the library path or None."""
    target = library_path()
    if target.exists() and not force:
        return target
    cxx = compiler()
    if cxx is None:
        log.warning("no C++ compiler: word2vec trains with TensorFlow ops (--kernel tf)")
        return None
    BUILD.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".negative_sampling-", suffix=".so", dir=BUILD)
    os.close(handle)
    command = [cxx, *FLAGS, *accepted_flags(cxx), *tf.sysconfig.get_compile_flags(), str(SOURCE),
               "-o", temporary, *tf.sysconfig.get_link_flags()]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        Path(temporary).unlink(missing_ok=True)
        log.warning("building %s failed, word2vec trains with TensorFlow ops:\n%s", SOURCE.name,
                    done.stderr[-2000:])
        return None
    os.chmod(temporary, 0o755)
    os.replace(temporary, target)  # atomic: a loader sees no library or a whole one
    load.cache_clear()
    return target


@functools.cache
def load():
    """The loaded op library, or None when it is not built for this machine or does not load."""
    path = library_path()
    if not path.exists():
        if any(BUILD.glob("negative_sampling-*.so")):
            log.info("the native word2vec kernel here was built for another CPU or TensorFlow: "
                     "TensorFlow ops are used (build it for this machine: python -m apps.word2vec.native)")
        return None
    try:
        return tf.load_op_library(str(path))
    except (tf.errors.NotFoundError, tf.errors.AlreadyExistsError, OSError) as error:
        log.warning("cannot load %s (%s): TensorFlow ops are used; rebuild it with "
                    "`python -m apps.word2vec.native --force`", path, str(error).splitlines()[0])
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


def hierarchical_update(model, batch, points, codes, rate):
    """The `native` kernel of hierarchical softmax: word2vec.c's `hs` loop; returns the examples' losses."""
    contexts = batch["context"]
    if model.architecture == "skipgram":
        contexts = contexts[:, None]
    return load().hierarchical_softmax_update(model.vectors.value.handle, model.inner_vectors.value.handle,
                                              contexts, points, codes, rate)


def main(argv=None):
    """Build the op; exit 0 also without a compiler (training then uses TensorFlow ops)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    force = "--force" in (sys.argv[1:] if argv is None else argv)
    path = build(force=force)
    print(f"word2vec native kernel: {path}" if path else "word2vec native kernel: not built (--kernel tf)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
