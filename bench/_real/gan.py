CASES = [
    {"name": "gan mnist", "app": "gan", "data": "mnist", "metric": "test.fid_ratio",
     "bar": ("<=", 3.0), "minutes": 20},
]
