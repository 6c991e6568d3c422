"""The stories Module 10 trains on (provided): TinyStories when it is here, else a generated
stand-in written by this course.

TinyStories (Eldan and Li, 2023, "TinyStories: How Small Can Language Models Be and Still Speak
Coherent English?") is a corpus of short stories in the words a three-year-old knows, written by
GPT-3.5 and GPT-4. Version 2 (the GPT-4 stories) is one text file per split, each story followed
by a line that holds only `<|endoftext|>`. `./datasets.sh --tiny tinystories` fetches the
validation file and the first ~100 MB of the training file, cut into gzip shards at story
boundaries (modules/course/story_shards.py); --small takes 4 shards, the full track all of it
(23 shards).

Without the download (an offline machine, CI), `story_source` writes a corpus of generated
stories instead, cut by the same cutter into the same kind of shards, and says so. The stories
come from templates with many slots (characters, places, things, plots, dialogue, morals) filled
by a seeded random generator, so the same seed gives the same corpus byte for byte. They are far
more repetitive than TinyStories: a model trained on them learns their templates quickly, and its
loss says little about the real corpus.
"""

from __future__ import annotations

import gzip
import hashlib
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from modules.course.manifest import Source
from modules.course.paths import DATA_DIR
from modules.course.story_shards import (
    STORY_END,
    ShardError,
    course_shards,
    cut_stories,
    read_shard_manifest,
    shard_paths,
)

END_OF_TEXT = "<|endoftext|>"
STORY_SEPARATOR = STORY_END.decode("utf-8")  # "\n<|endoftext|>\n": ends every story
TINYSTORIES_DIR = DATA_DIR / "tinystories"
VALID_FILE = TINYSTORIES_DIR / "TinyStoriesV2-GPT4-valid.txt"
GENERATED_DIR = TINYSTORIES_DIR / "generated"  # the stand-in, apart from the real data
FETCH_COMMAND = "./datasets.sh --tiny tinystories"
TRAIN_SEED, VALID_SEED = 10, 11  # the generated training and validation stories

# ---- the story generator ------------------------------------------------------------------------

# (name, what they are, pronoun): the pronoun picks he/him/his, she/her/her or they/them/their.
HEROES = [
    ("Lily", "little girl", "she"), ("Tom", "little boy", "he"), ("Mia", "girl", "she"),
    ("Ben", "boy", "he"), ("Sue", "girl", "she"), ("Max", "puppy", "he"),
    ("Lucy", "kitten", "she"), ("Sam", "boy", "he"), ("Anna", "girl", "she"),
    ("Tim", "little boy", "he"), ("Zoe", "bunny", "she"), ("Leo", "lion cub", "he"),
    ("Ella", "duck", "she"), ("Finn", "fish", "he"), ("Rosa", "girl", "she"),
    ("Omar", "boy", "he"), ("Nina", "mouse", "she"), ("Kai", "boy", "he"),
    ("Ivy", "little girl", "she"), ("Hugo", "bear", "he"), ("Ruby", "ladybug", "she"),
    ("Noah", "boy", "he"), ("Pip", "bird", "he"), ("Daisy", "cow", "she"),
    ("Jack", "frog", "he"), ("Molly", "girl", "she"), ("Bob", "turtle", "he"),
    ("Lola", "pony", "she"), ("Ned", "squirrel", "he"), ("Kim", "child", "they"),
    ("Amir", "boy", "he"), ("Grace", "girl", "she"), ("Oscar", "owl", "he"),
    ("Hana", "little girl", "she"), ("Felix", "fox", "he"), ("Clara", "hen", "she"),
    ("Theo", "boy", "he"), ("Maya", "girl", "she"), ("Bruno", "dog", "he"),
    ("Poppy", "goat", "she"), ("Eli", "little boy", "he"), ("Luna", "cat", "she"),
    ("Jo", "child", "they"), ("Sid", "snail", "he"), ("Willa", "whale", "she"),
]
PRONOUNS = {"he": ("he", "him", "his"), "she": ("she", "her", "her"),
            "they": ("they", "them", "their")}
GROWN_UPS = ["Mom", "Dad", "Grandma", "Grandpa", "the teacher", "Aunt May", "the old owl"]
# (preposition, place): "in the park", "at the beach", "to the beach"
PLACES = [("in", "the park"), ("in", "the garden"), ("at", "the beach"), ("in", "the forest"),
          ("on", "the farm"), ("by", "the lake"), ("on", "the big hill"),
          ("in", "the town square"), ("in", "the school yard"), ("in", "the kitchen"),
          ("in", "the backyard"), ("in", "the meadow"), ("at", "the zoo"),
          ("in", "the library"), ("by", "the river"), ("at", "the playground"),
          ("at", "the market"), ("in", "the barn"), ("in", "the woods"), ("by", "the pond"),
          ("at", "the harbour"), ("in", "the snowy field"), ("at", "the fair"),
          ("in", "the old castle"), ("on", "the little island"), ("in", "the bakery")]
THINGS = ["red ball", "shiny stone", "blue kite", "toy boat", "little drum", "yellow hat",
          "teddy bear", "toy car", "green bucket", "picture book", "silver key", "paper star",
          "wooden train", "pink balloon", "soft blanket", "magic wand", "big box", "sand shovel",
          "music box", "striped scarf", "jar of honey", "bag of apples", "gold coin", "crayon",
          "purple umbrella", "tiny robot", "orange bike", "spotted shell", "funny mask",
          "glass marble", "kite with a long tail", "basket of berries", "rubber duck", "flute"]
FEELINGS_GOOD = ["happy", "glad", "proud", "excited", "calm", "cheerful"]
FEELINGS_BAD = ["sad", "scared", "worried", "upset", "lonely", "grumpy"]
OPENINGS = ["Once upon a time", "One day", "One sunny morning", "Long ago",
            "On a rainy afternoon", "One cold winter day", "Early one morning",
            "One warm summer evening", "Not long ago"]
TIME_STEPS = ["Soon", "After a while", "Then", "Later", "A moment later", "Suddenly", "Next"]
SAY = ["said", "asked", "shouted", "whispered", "cried", "called", "laughed", "answered"]
FEARS = ["the dark", "the big dog next door", "the loud thunder", "the deep water",
         "the tall slide", "the buzzing bees", "the noisy truck"]
HELPERS_NEEDED = [("a cat", "stuck in a tall tree"), ("a bird", "with a hurt wing"),
                  ("a puppy", "lost in the rain"), ("a duckling", "far from its mother"),
                  ("an old man", "who had dropped his glasses"),
                  ("a little snail", "in the middle of the path")]
MAKINGS = [("a sandcastle", "a big wave washed it away"), ("a tower of blocks", "it fell down"),
           ("a cake", "it came out flat"), ("a drawing", "the rain made the colours run"),
           ("a kite", "the string broke"), ("a snowman", "the sun melted its head")]
MORALS = [
    "Friends help each other, and that makes every job easier.",
    "Sharing makes everyone happy.",
    "It is good to be brave, even when you feel small.",
    "Saying sorry can make things right again.",
    "If you try again, you can do it.",
    "Being kind is the best thing you can be.",
    "It is good to listen to the people who love you.",
    "A new friend can be waiting just around the corner.",
]


def _a(noun: str) -> str:
    """The noun with its indefinite article: "a kite", "an owl"."""
    return ("an " if noun[0] in "aeiou" else "a ") + noun


class _Teller:
    """Writes one story: picks its characters and slots, then one plot's sentences."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.hero, self.friend = rng.sample(HEROES, 2)
        self.at, self.place = rng.choice(PLACES)  # "in", "the park"
        self.thing = rng.choice(THINGS)
        self.grown_up = rng.choice(GROWN_UPS)
        self.a_thing = _a(self.thing)

    def pick(self, options: list[str]) -> str:
        return self.rng.choice(options)

    def who(self, character: tuple[str, str, str], case: int = 0) -> str:
        """he/him/his (case 0/1/2) of a character."""
        return PRONOUNS[character[2]][case]

    def say(self, speaker: str, words: str) -> str:
        """A line of dialogue, with the speaker before or after it."""
        verb = self.pick(SAY)
        if self.rng.random() < 0.5:
            return f'"{words}" {speaker} {verb}.'
        return f'{speaker} {verb}, "{words}"'

    def opening(self) -> list[str]:
        name, kind, _ = self.hero
        first = f"{self.pick(OPENINGS)}, there was {_a(kind)} named {name}."
        he = self.who(self.hero).capitalize()
        likes = self.pick([f"{he} loved to play {self.at} {self.place}.",
                           f"{name} liked to go to {self.place} every day.",
                           f"{he} had {self.a_thing} that "
                           f"{self.who(self.hero)} loved very much."])
        return [first, likes]

    def ending(self, moral: str) -> list[str]:
        name = self.hero[0]
        return [self.pick([f"From that day on, {name} remembered: {moral[0].lower()}{moral[1:]}",
                           f"{name} learned something that day. {moral}",
                           f"{name} smiled. {moral}",
                           f"That night, {name} went to bed feeling "
                           f"{self.pick(FEELINGS_GOOD)}."])]

    # ---- plots: each returns its sentences ------------------------------------------------------

    def lost_thing(self) -> list[str]:
        name, friend = self.hero[0], self.friend[0]
        his = self.who(self.hero, 2)
        return [f"One day, {name} took {his} {self.thing} to {self.place}.",
                f"{self.pick(TIME_STEPS)}, {name} looked down and the {self.thing} was gone!",
                f"{name} felt very {self.pick(FEELINGS_BAD)}.",
                self.say(name, f"Where is my {self.thing}?"),
                f"{friend} the {self.friend[1]} came by and saw {name} crying.",
                self.say(friend, "Do not worry. I will help you look."),
                "They looked under a bush and behind a rock.",
                f"At last, {friend} found the {self.thing} in the tall grass.",
                self.say(name, f"Thank you, {friend}! You are a good friend."),
                *self.ending(MORALS[0])]

    def sharing(self) -> list[str]:
        name, friend = self.hero[0], self.friend[0]
        return [f"{name} had a new {self.thing}. It was the best thing {self.who(self.hero)} "
                f"had ever had.",
                f"{friend} saw it and wanted to play with it too.",
                self.say(friend, f"Can I play with your {self.thing}, please?"),
                self.say(name, "No, it is mine!"),
                f"{friend} walked away and felt {self.pick(FEELINGS_BAD)}.",
                f"{self.pick(TIME_STEPS)}, {name} played alone, but it was not fun anymore.",
                f"{name} went to {friend} and gave {self.who(self.friend, 1)} the {self.thing}.",
                self.say(name, "Let us play together."),
                f"They played {self.at} {self.place} until the sun went down, and both of them "
                f"were {self.pick(FEELINGS_GOOD)}.",
                *self.ending(MORALS[1])]

    def fear(self) -> list[str]:
        name, fear = self.hero[0], self.pick(FEARS)
        he = self.who(self.hero)
        return [f"{name} was afraid of {fear}.",
                f"Every time {he} thought about it, {he} felt {self.pick(FEELINGS_BAD)}.",
                f"One evening, {name} told {self.grown_up}.",
                self.say(self.grown_up.capitalize(),
                         f"It is okay to be scared, {name}. I will be right here with you."),
                f"{name} took a deep breath and held {self.grown_up}'s hand.",
                f"{self.pick(TIME_STEPS)}, {name} was not so scared anymore.",
                self.say(name, "I did it! I am brave!"),
                *self.ending(MORALS[2])]

    def new_friend(self) -> list[str]:
        name, friend = self.hero[0], self.friend[0]
        return [f"One day, {name} went to {self.place} alone.",
                f"{self.who(self.hero).capitalize()} felt a little {self.pick(FEELINGS_BAD)}, "
                f"because there was nobody to play with.",
                f"Then {name} saw {_a(self.friend[1])} named {friend} sitting by a tree.",
                self.say(name, "Hello! Do you want to play with me?"),
                self.say(friend, "Yes, I would love to!"),
                f"They played with the {self.thing} and ran all over {self.place}.",
                "They laughed and laughed until it was time to go home.",
                self.say(friend, "Can we play again tomorrow?"),
                self.say(name, "Yes! You are my new friend."),
                *self.ending(MORALS[7])]

    def helping(self) -> list[str]:
        name = self.hero[0]
        creature, trouble = self.pick(HELPERS_NEEDED)
        return [f"One day, {name} was walking {self.at} {self.place}.",
                f"{self.who(self.hero).capitalize()} saw {creature} {trouble}.",
                self.say(name, "Oh no! I must help."),
                f"{name} thought and thought. Then {self.who(self.hero)} had an idea.",
                f"{self.who(self.hero).capitalize()} ran to get {self.grown_up}, and together "
                f"they helped.",
                f"Soon {creature} was safe and {self.pick(FEELINGS_GOOD)}.",
                self.say(self.grown_up.capitalize(), f"You did a kind thing today, {name}."),
                *self.ending(MORALS[5])]

    def making(self) -> list[str]:
        name, friend = self.hero[0], self.friend[0]
        work, mishap = self.pick(MAKINGS)
        return [f"{name} wanted to make {work}.",
                f"{self.who(self.hero).capitalize()} worked very hard all morning.",
                f"But then {mishap}.",
                f"{name} was {self.pick(FEELINGS_BAD)} and wanted to give up.",
                self.say(friend, "Do not give up! Let us try again together."),
                f"So {name} and {friend} tried again, slowly and carefully.",
                "This time, it was even better than before.",
                self.say(name, f"We did it, {friend}!"),
                *self.ending(MORALS[4])]

    def disobey(self) -> list[str]:
        name = self.hero[0]
        return [f"{self.grown_up.capitalize()} said, \"{name}, please do not touch the "
                f"{self.thing}. It is not a toy.\"",
                f"But {name} was curious. When nobody was looking, {self.who(self.hero)} "
                f"picked it up.",
                f"Oops! The {self.thing} fell and made a big mess.",
                f"{name} felt {self.pick(FEELINGS_BAD)}.",
                f"{self.who(self.hero).capitalize()} went to {self.grown_up} and said sorry.",
                self.say(self.grown_up.capitalize(),
                         "Thank you for telling me the truth. Let us clean it up together."),
                f"They cleaned up the mess, and {self.grown_up} gave {name} a big hug.",
                *self.ending(self.pick([MORALS[3], MORALS[6]]))]

    def adventure(self) -> list[str]:
        name, friend = self.hero[0], self.friend[0]
        return [f"One day, {name} found an old map {self.at} {self.place}.",
                self.say(name, f"{friend}, look! Let us follow it!"),
                f"{name} and {friend} walked past the trees and over a little bridge.",
                f"{self.pick(TIME_STEPS)}, they found a small door under a big rock.",
                f"Behind the door was {self.a_thing}, shining in the sun.",
                self.say(friend, "What a great treasure!"),
                f"They took it home and showed it to {self.grown_up}.",
                f"{name} and {friend} were very {self.pick(FEELINGS_GOOD)}.",
                *self.ending(self.pick(MORALS))]

    def story(self) -> str:
        plots: list[Callable[[], list[str]]] = [
            self.lost_thing, self.sharing, self.fear, self.new_friend, self.helping,
            self.making, self.disobey, self.adventure]
        sentences = self.opening() + self.pick(plots)()
        # paragraphs of a few sentences each, as TinyStories has them
        paragraphs, start = [], 0
        while start < len(sentences):
            size = self.rng.randint(2, 5)
            paragraphs.append(" ".join(sentences[start:start + size]))
            start += size
        return "\n\n".join(paragraphs)


def generate_stories(n: int, seed: int) -> str:
    """`n` short generated stories, each followed by "\\n<|endoftext|>\\n" as in TinyStories;
    the same (n, seed) always gives the same text. About 550 characters per story (20,000
    stories are about 11 MB); generate_stories(k, seed) is the first k stories of it."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    rng = random.Random(seed)
    return "".join(_Teller(rng).story() + STORY_SEPARATOR for _ in range(n))


# ---- where the stories come from ----------------------------------------------------------------

@dataclass(frozen=True)
class StorySource:
    """The stories of one run: gzip training shards in order, the validation text, and the folder
    where what is made from them (the tokenizer, the token files) goes.

    name       "tiny", "small" or "full" (TinyStories, by track) or "generated-<n>" (the stand-in)
    generated  True for the stand-in corpus
    """

    name: str
    train_shards: tuple[Path, ...]
    valid: Path
    work_dir: Path
    generated: bool


def story_source(track: str, generated_stories: int = 20_000,
                 use_generated: bool = False) -> StorySource:
    """TinyStories' shards for `track` and its validation file when ./datasets.sh has fetched
    them; otherwise (or with use_generated=True) `generated_stories` generated stories, written
    as shards on first use (with a note saying so and how to fetch the real data)."""
    if not use_generated:
        shards = course_shards(track)
        if shards and VALID_FILE.is_file():
            return StorySource(track, tuple(shards), VALID_FILE, track_work_dir(track),
                               generated=False)
        print(f"TinyStories is not here ({FETCH_COMMAND} fetches it; --small or --full for more "
              f"shards); using a generated corpus of {generated_stories:,} stories instead. It "
              f"is a stand-in: much more repetitive than TinyStories, so losses and samples will "
              f"differ from the ones in the text.")
    else:
        print(f"using the generated corpus of {generated_stories:,} stories (a stand-in for "
              f"TinyStories, written by this course)")
    return generated_source(generated_stories)


def track_work_dir(track: str) -> Path:
    """Where the tokenizer and token files made from a track's TinyStories shards go."""
    return TINYSTORIES_DIR / f"track-{track}"


def generated_source(n_stories: int, root: Path | None = None,
                     shard_bytes: int | None = None) -> StorySource:
    """The generated stand-in corpus in <root>/<n>-stories/ (root: GENERATED_DIR, under the
    git-ignored data/): n_stories training stories (seed TRAIN_SEED) as gzip shards of
    shard_bytes cut by the download's cutter (default: an eighth of the text, so that the
    loader has several files to draw from), and n_stories // 10 validation stories (seed
    VALID_SEED) in valid.txt. Written once; reused while shards.json and the validation file
    say they hold the same text."""
    folder = Path(root or GENERATED_DIR) / f"{n_stories}-stories"
    train_dir, valid = folder / "train", folder / "valid.txt"
    text = generate_stories(n_stories, TRAIN_SEED).encode("utf-8")
    digest = hashlib.sha256(text).hexdigest()
    shard_bytes = shard_bytes or max(len(text) // 8, 1)
    if not _holds(train_dir, digest, shard_bytes):
        source = Source(f"generated: modules.m10_tinystories.stories.generate_stories"
                        f"({n_stories}, seed={TRAIN_SEED})", digest, len(text))
        cut_stories([text], train_dir, shard_bytes, source=source)
    valid_text = generate_stories(max(1, n_stories // 10), VALID_SEED)
    if not valid.is_file() or valid.read_text(encoding="utf-8") != valid_text:
        valid.parent.mkdir(parents=True, exist_ok=True)
        valid.write_text(valid_text, encoding="utf-8", newline="")
    return StorySource(f"generated-{n_stories}", tuple(shard_paths(train_dir)), valid, folder,
                       generated=True)


def _holds(train_dir: Path, digest: str, shard_bytes: int) -> bool:
    """Whether `train_dir` holds every shard of the text whose sha256 is `digest`, cut at
    `shard_bytes`."""
    try:
        manifest = read_shard_manifest(train_dir)
    except ShardError:
        return False
    return (manifest is not None and manifest.complete and manifest.shard_bytes == shard_bytes
            and manifest.source is not None
            and manifest.source.sha256 == digest
            and all((train_dir / record.name).is_file() for record in manifest.shards))


def iter_stories(paths: Iterable[str | Path]) -> Iterator[str]:
    """Every story of the files `paths`, in order, each with its ending "\n<|endoftext|>\n"
    (text after the last ending, if any, comes last), read a line at a time."""
    end_line = END_OF_TEXT + "\n"
    for path in paths:
        lines: list[str] = []
        with open_text(path) as f:
            for line in f:
                lines.append(line)
                if line == end_line:
                    yield "".join(lines)
                    lines = []
        if lines:
            yield "".join(lines)


def open_text(path: str | Path):
    """A story file opened as UTF-8 text: a gzip shard (.gz) or plain text. Line endings are
    kept as they are in the file (newline=""), so the text read is exactly the text written."""
    path = Path(path)
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")
