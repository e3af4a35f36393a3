CASES = [
    {"name": "translator anki_fra_eng_attrib", "app": "translator", "data": "anki_fra_eng_attrib",
     "metric": "test.bleu", "bar": (">=", 25.0), "minutes": 15},
]
