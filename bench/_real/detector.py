# kangaroo/images/00090.jpg is truncated at the source: bad input stops a run unless --skip-bad
# (docs/bad-input.md), so this case passes --skip-bad and nothing else.
CASES = [
    {"name": "detector kangaroo", "app": "detector", "data": "kangaroo", "argv": ["--skip-bad"],
     "metric": "test.map50", "bar": (">=", 0.50), "minutes": 15},
]
