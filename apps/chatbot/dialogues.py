"""The default data: generated multi-turn dialogues whose follow-ups need context.

Four domains (weather, table booking, shopping, trivia about the course's
own topics). Each dialogue opens with a question a single-turn bot can
answer, then asks follow-ups ("and tomorrow?", "what about milan?", "how
much is it?", "at 8pm") whose right answer needs an entity or slot from one
to three turns back. User turns come in several paraphrases. The slot
combinations that open a dialogue are split three ways (train, validation,
test), so the test dialogues use combinations never seen in training.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

CITIES = {"paris": ("rainy", 14), "milan": ("sunny", 24), "london": ("foggy", 11),
          "tokyo": ("humid", 27), "cairo": ("hot", 35), "oslo": ("snowy", -3),
          "lima": ("cloudy", 19), "delhi": ("stormy", 31), "sydney": ("windy", 22),
          "boston": ("chilly", 8)}
DAYS = ("today", "tomorrow", "saturday", "sunday", "monday")
RESTAURANTS = ("luigis", "sakura", "bistro", "olivia", "napoli", "saffron", "harbor", "zest")
PEOPLE = ("2", "3", "4", "5", "6", "7", "8")
TIMES = ("6pm", "7pm", "8pm", "9pm", "noon", "1pm")
ITEMS = {"shirt": 25, "hat": 15, "jacket": 90, "scarf": 20, "lamp": 40, "mug": 8,
         "backpack": 55, "umbrella": 12}
COLORS = ("red", "blue", "green", "black", "white", "yellow")
TOPICS = {"perceptron": ("rosenblatt", "1958", "linear classification"),
          "backpropagation": ("rumelhart", "1986", "training deep networks"),
          "lstm": ("hochreiter", "1997", "long sequences"),
          "lenet": ("lecun", "1998", "digit recognition"),
          "word2vec": ("mikolov", "2013", "word vectors"),
          "gan": ("goodfellow", "2014", "image generation"),
          "resnet": ("he", "2015", "very deep image classifiers"),
          "u-net": ("ronneberger", "2015", "image segmentation"),
          "transformer": ("vaswani", "2017", "machine translation"),
          "hopfield": ("hopfield", "1982", "associative memory")}

WEATHER_OPEN = ("what is the weather in {city} {day}?", "how is the weather in {city} {day}?",
                "weather for {city} {day}, please.", "will it be nice in {city} {day}?")
WEATHER_DAY = ("and {day}?", "what about {day}?", "how about {day}?", "and for {day}?")
WEATHER_CITY = ("what about {city}?", "and in {city}?", "how about {city}?", "and {city}?")
WEATHER_COAT = ("do i need a coat?", "should i wear a coat?", "is it coat weather?")
BOOK_OPEN = ("i need a table for {n} people.", "can i book a table for {n}?",
             "a table for {n}, please.", "we are {n}, do you have a table?")
BOOK_PLACE = ("{place}, please.", "at {place}.", "let's try {place}.", "how about {place}?")
BOOK_TIME = ("at {time}.", "{time} works.", "make it {time}.", "{time}, please.")
BOOK_CHANGE = ("actually we are {n}.", "make it {n} people.", "change it to {n} people.")
SHOP_OPEN = ("do you have the {color} {item}?", "is the {color} {item} in stock?",
             "i am looking for a {color} {item}.", "any {color} {item} left?")
SHOP_PRICE = ("how much is it?", "what does it cost?", "what is the price?", "how much?")
SHOP_COLOR = ("do you have it in {color}?", "and in {color}?", "what about {color}?")
SHOP_BUY = ("i will take it.", "add it to my cart.", "i'll buy it.")
TRIVIA_OPEN = ("who invented the {topic}?", "who introduced {topic}?", "tell me about {topic}.",
               "who came up with {topic}?")
TRIVIA_USE = ("what is it used for?", "what is it good for?", "what does it do?")
TRIVIA_YEAR = ("when was that?", "what year was it?", "how old is it?")


@dataclass
class Dialogue:
    """Alternating user and bot utterances, user first.

    `needs_context[i]` tells whether the bot's answer `turns[2 * i + 1]`
    depends on something before the user's question `turns[2 * i]`.
    """

    turns: list = field(default_factory=list)
    needs_context: list = field(default_factory=list)

    def add(self, user, bot, needs_context):
        self.turns += [user, bot]
        self.needs_context.append(bool(needs_context))


def weather(rng, key):
    city, day = key
    dialogue = Dialogue()

    def forecast(city, day):
        condition, degrees = CITIES[city]
        return f"{day} in {city} it will be {condition}, {degrees} degrees."

    dialogue.add(rng.choice(WEATHER_OPEN).format(city=city, day=day), forecast(city, day), False)
    for _ in range(rng.randint(1, 3)):
        move = rng.random()
        if move < 0.4:
            day = rng.choice([d for d in DAYS if d != day])
            dialogue.add(rng.choice(WEATHER_DAY).format(day=day), forecast(city, day), True)
        elif move < 0.8:
            city = rng.choice([c for c in CITIES if c != city])
            dialogue.add(rng.choice(WEATHER_CITY).format(city=city), forecast(city, day), True)
        else:
            cold = CITIES[city][1] < 15
            answer = f"{'yes' if cold else 'no'}, {city} will be {CITIES[city][0]} {day}."
            dialogue.add(rng.choice(WEATHER_COAT), answer, True)
    return dialogue


def booking(rng, key):
    people, place, time = key
    dialogue = Dialogue()
    dialogue.add(rng.choice(BOOK_OPEN).format(n=people), "sure, which restaurant?", False)
    dialogue.add(rng.choice(BOOK_PLACE).format(place=place), "what time should i book?", False)
    dialogue.add(rng.choice(BOOK_TIME).format(time=time),
                 f"booked {place} for {people} people at {time}.", True)
    if rng.random() < 0.6:
        people = rng.choice([p for p in PEOPLE if p != people])
        dialogue.add(rng.choice(BOOK_CHANGE).format(n=people),
                     f"changed: {place} for {people} people at {time}.", True)
    return dialogue


def shopping(rng, key):
    color, item = key
    dialogue = Dialogue()
    dialogue.add(rng.choice(SHOP_OPEN).format(color=color, item=item),
                 f"yes, the {color} {item} is in stock.", False)
    for move in rng.sample(("price", "color", "buy"), rng.randint(1, 3)):
        if move == "price":
            dialogue.add(rng.choice(SHOP_PRICE), f"the {color} {item} costs {ITEMS[item]} dollars.", True)
        elif move == "color":
            color = rng.choice([c for c in COLORS if c != color])
            dialogue.add(rng.choice(SHOP_COLOR).format(color=color),
                         f"yes, the {color} {item} is in stock.", True)
        else:
            dialogue.add(rng.choice(SHOP_BUY),
                         f"added the {color} {item} to your cart for {ITEMS[item]} dollars.", True)
    return dialogue


def trivia(rng, key):
    topic, order = key
    author, year, use = TOPICS[topic]
    dialogue = Dialogue()
    dialogue.add(rng.choice(TRIVIA_OPEN).format(topic=topic),
                 f"{topic} was introduced by {author}.", False)
    for move in order:
        if move == "use":
            dialogue.add(rng.choice(TRIVIA_USE), f"{topic} is used for {use}.", True)
        else:
            dialogue.add(rng.choice(TRIVIA_YEAR), f"{topic} dates from {year}.", True)
    return dialogue


DOMAINS = {
    "weather": (weather, [(c, d) for c in CITIES for d in DAYS]),
    "booking": (booking, [(n, p, t) for n in PEOPLE for p in RESTAURANTS for t in TIMES]),
    "shopping": (shopping, [(c, i) for c in COLORS for i in ITEMS]),
    "trivia": (trivia, [(t, o) for t in TOPICS
                        for o in (("use",), ("year",), ("use", "year"), ("year", "use"))]),
}


def split_keys(keys, rng, fractions):
    """Three disjoint lists of keys (train, validation, test)."""
    keys = list(keys)
    rng.shuffle(keys)
    n_val = max(1, round(len(keys) * fractions[0]))
    n_test = max(1, round(len(keys) * fractions[1]))
    return keys[n_val + n_test:], keys[:n_val], keys[n_val:n_val + n_test]


def generate(count=2400, seed=42, fractions=(0.15, 0.2)):
    """(train, validation, test) lists of `Dialogue`s, `count` in all.

    Every domain's opening slot combinations are split into disjoint
    train/validation/test pools, so held-out dialogues combine values in
    ways training never showed.
    """
    rng = random.Random(seed)
    splits = ([], [], [])
    per_domain = count // len(DOMAINS)
    for make, keys in DOMAINS.values():
        pools = split_keys(keys, rng, fractions)
        sizes = (per_domain - round(per_domain * fractions[0]) - round(per_domain * fractions[1]),
                 round(per_domain * fractions[0]), round(per_domain * fractions[1]))
        for split, pool, size in zip(splits, pools, sizes):
            split.extend(make(rng, rng.choice(pool)) for _ in range(size))
    for split in splits:
        rng.shuffle(split)
    return splits
