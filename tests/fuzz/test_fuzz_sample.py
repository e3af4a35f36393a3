"""A small seeded sample of the fuzzer (`make fuzz` runs >= 200 cases per format).

Every case ends as an accepted data set or one line naming the file: no
traceback, no hang, no memory blow-up, no crash.
"""

import pytest

from tests.fuzz.formats import FORMATS
from tests.fuzz.mutations import MUTATIONS, mutate
from tests.fuzz.runner import failures, make_cases, run_cases

PER_FORMAT = 3


def test_mutations_are_reproducible_from_the_seed():
    import numpy as np  # noqa: PLC0415 - only here

    data = b"x1,x2,label\n1,2,0\n3,4,1\n"
    for seed in range(30):
        first = mutate(data, np.random.default_rng(seed), True)
        assert first == mutate(data, np.random.default_rng(seed), True)
        assert first[0] in MUTATIONS


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    cases = make_cases(FORMATS, PER_FORMAT, seed=20261202, root=tmp_path_factory.mktemp("fuzz"), timeout=30)
    return run_cases(cases, memory_mb=3072)


def test_every_case_ends_accepted_or_in_one_line_naming_the_file(sample):
    assert len(sample) == PER_FORMAT * len(FORMATS)
    bad = failures(sample)
    report = "\n".join(f"{r['id']} {r['mutation']} {r['target']}: {r['outcome']}: {r.get('message', '')}"
                       for r in bad)
    assert not bad, report
