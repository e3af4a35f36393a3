CASES = [
    {"name": "classifier flowers5", "app": "classifier", "data": "flowers5", "metric": "test.accuracy",
     "bar": (">=", 0.80), "minutes": 5},
]
