"""Real-data cases of the sentiment app (issue 20): SST-2, test = the 872 GLUE dev phrases.

The default command (only --data) must reach 0.85 in 10 minutes; `--model transformer`
(all-MiniLM-L6-v2, cached frozen phase then a fine-tune budget in steps) 0.88 in 20; the
bag of words stays below the recurrent model (no bar of its own: compare the rows).
"""

CASES = [
    {"name": "sentiment sst2", "app": "sentiment", "data": "sst2", "metric": "test.accuracy",
     "bar": (">=", 0.85), "minutes": 10},
    {"name": "sentiment sst2 transformer", "app": "sentiment", "data": "sst2", "argv": ["--model", "transformer"],
     "metric": "test.accuracy", "bar": (">=", 0.88), "minutes": 20},
    {"name": "sentiment sst2 bow", "app": "sentiment", "data": "sst2", "argv": ["--model", "bow"],
     "metric": "test.accuracy", "bar": None, "minutes": 10},
]
