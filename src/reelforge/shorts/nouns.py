"""English noun phrases a viewer would picture, found without a tagger or a model.

The heuristic behind search terms and typography titles when no LLM plans the scenes: a phrase runs from a
determiner, a preposition or a clause's start up to its noun. Verbs are told apart by where they stand - the
word after a plural subject, a subject pronoun or an adverb ("never sleeps"); an "-s" word after a noun that is
followed by an object, a place, an adverb or the clause's end ("the queen lays eggs", "magma rises."); an
"-ing" word after "is" or before an object - and a clause has one such verb before its object ("bees build wax
combs"). Words of time, amount and number ("thousands", "eighty", "day") and adjectives standing alone after
"is", "stays" or "looks" ("the beach is windy") are never a phrase's noun.
"""

from __future__ import annotations

import re

from .words import WORD

_STOPWORDS_TEXT = """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each even every few for from
further had has have having he her here hers him his how i if in into is it its itself just let like
made make many may me might more most much must my never no nor not now of off on once only or other
our ours out over own really same say says she should so some such than that the their theirs them
then there these they thing things this those through to too under until up upon us very was we were
what when where which while who whom why will with within without would you your yours one two three
first next last new way ways get got every often know see look think take takes inside onto around
yet still ever here's it's that's there's what's let's don't doesn't isn't aren't can't won't you're
they're we're
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
_DETERMINERS = "a an the this that these those its their his her our my your each every some no another"
_PREPOSITIONS = """of over in on under into onto across through above below near by with from at to for along
around behind beside between beneath toward towards past inside outside upon among against during per via"""
_VAGUE = """thousands thousand millions million billions billion hundreds hundred dozens dozen lots lot number numbers
amount amounts kind kinds sort part parts bit bits day days night nights time times year years week weeks month
months decade decades century centuries hour hours minute minutes second seconds moment moments morning evening
today tomorrow yesterday world thing things way ways fact facts idea ideas reason people something anything
everything nothing someone anyone everyone welcome hello imagine meet consider zero four five six seven eight nine
ten eleven twelve twenty thirty forty fifty sixty seventy eighty ninety half quarter percent average total"""
_ADVERBS = "downhill uphill away back home high low fast far together again forever outward inward long apart aside"
_BEFORE_VERB = "never always often sometimes usually rarely seldom also still just soon already even then"
_SUBJECTS = "i you he she it we they who"
_AUXILIARIES = "will would can could may might must should shall do does did don't doesn't didn't can't won't not"
_LINKING = """is are was were be been being am become becomes became seem seems seemed stay stays stayed remain
remains remained turn turns turned grow grows grew feel feels felt look looks looked sound sounds smell smells"""
_CLAUSE = "and but or nor when while because where that which who whom as if until after before since so then"
_ADJECTIVES = """big small large tiny huge tall short long wide narrow deep shallow old young new hot cold warm cool
dark bright wet dry full empty fast slow high low red orange yellow green blue purple pink white black grey gray
brown golden silver ancient modern wild calm quiet loud soft hard strong weak sweet sour bitter rich poor clean
dirty busy happy sad beautiful pretty ugly strange rare common heavy thick thin flat round sharp smooth rough
fresh raw ripe free safe massive enormous vast endless bare open closed alive dead early late"""
_OBJECTS = "me him her us them it his its their our my your"
_ENGLISH = "the a an of and is are in on to with over at it this that"
#: words that open a noun phrase, or after which one follows
DETERMINERS = frozenset(_DETERMINERS.split())
PREPOSITIONS = frozenset(_PREPOSITIONS.split())
#: nouns a viewer does not picture: amounts, numbers, time, filler
VAGUE = frozenset(_VAGUE.split())
ADVERBS = frozenset(_ADVERBS.split())
ADJECTIVES = frozenset(_ADJECTIVES.split())
_SETS = {
    name: frozenset(words.split())
    for name, words in {
        "before_verb": _BEFORE_VERB,
        "subjects": _SUBJECTS,
        "aux": _AUXILIARIES,
        "linking": _LINKING,
        "clause": _CLAUSE,
        "objects": _OBJECTS,
    }.items()
}
_TOKEN = re.compile(rf"{WORD.pattern}|[.,;:!?()\"]")
_ENGLISH_CUES = frozenset(_ENGLISH.split())


def tokens(text: str) -> list[str]:
    """Lower-case words and punctuation marks, possessive "'s" dropped ("the bee's wings" -> bee, wings)."""
    out = []
    for t in _TOKEN.findall(text):
        t = t.lower().strip("'-")
        if t.endswith("'s") and t not in STOPWORDS:
            t = t[:-2]
        out.append(t)
    return out


def looks_english(text: str) -> bool:
    """Whether ``text`` reads as English: its commonest function words are a good share of its words."""
    words = [t for t in tokens(text) if t[:1].isalpha()]
    return bool(words) and sum(w in _ENGLISH_CUES or w in STOPWORDS for w in words) >= max(1, len(words) // 6)


def adjective(word: str) -> bool:
    """A word that describes rather than names: a common adjective, its "-er"/"-est" form, or a telling suffix."""
    if word in ADJECTIVES or (word.endswith(("ful", "ous", "less", "ern")) and len(word) > 5):
        return True
    for end in ("est", "er"):
        stem = word[: -len(end)] if word.endswith(end) else ""
        if stem and (
            stem in ADJECTIVES or stem + "e" in ADJECTIVES or (stem[:-1] in ADJECTIVES and stem[-1] == stem[-2])
        ):
            return True
    return False


def adverb(word: str) -> bool:
    """ "-ly" adverbs (quickly, rarely), not nouns such as family, butterfly or jelly."""
    if len(word) <= 4 or not word.endswith("ly") or word.endswith("fly") or word in ("jelly", "belly", "holly"):
        return False
    return word[-3] not in "aiou"


def plural(word: str) -> bool:
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ous"))


def singular(word: str) -> str:
    """A plural noun's singular, by rule (bees -> bee, volcanoes -> volcano, wolves -> wolf, flies -> fly)."""
    if not plural(word):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("lves"):
        return word[:-3] + "f"
    if word.endswith(("sses", "xes", "ches", "shes")) or (word.endswith("oes") and len(word) > 6):
        return word[:-2]
    return word[:-1]


class _Reader:
    """One left-to-right pass over a text's tokens, collecting (phrase, head) pairs."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.found: list[tuple[str, str]] = []
        self.chunk: list[str] = []
        self.verb_next = False  # the next content word is a verb
        self.opened = False  # the phrase was opened by a determiner or a preposition
        self.verb_seen = False  # this clause has had its verb: "-s" words after it are nouns
        self.predicate = False  # after "is", "stays", "looks": a lone adjective is no noun
        self.joined = False  # just after "and"/"or" in a clause that had its verb: a second verb may follow

    def close(self) -> None:
        chunk = self.chunk
        while len(chunk) > 1 and chunk[-1].endswith(("ed", "ing")) and len(chunk[-1]) > 4:
            chunk.pop()
        lone_adjective = len(chunk) == 1 and self.predicate and not plural(chunk[0])
        if chunk and not lone_adjective and not adjective(chunk[-1]) and chunk[-1] not in VAGUE and len(chunk[-1]) > 2:
            self.found.append((" ".join(chunk[-2:]), chunk[-1]))
        chunk.clear()

    def verb_s(self, word: str, following: str | None) -> bool:
        """``word`` (after a noun) is a verb like "climbs": what follows is an object, a place, an adverb or the
        clause's end ("the honey bees." keeps its noun: the phrase was opened by a determiner, and has one word)."""
        if not plural(word) or self.verb_seen or adjective(self.chunk[-1]):
            return False
        if following is None or not following[0].isalpha():  # "magma rises.", "the queen bee rests."
            return not self.opened or len(self.chunk) > 1
        closing = DETERMINERS | PREPOSITIONS | VAGUE | ADVERBS | STOPWORDS
        return following in closing or adverb(following) or (plural(following) and not adjective(following))

    def verb_ing(self, word: str, previous: str | None, following: str | None) -> bool:
        """A lone "-ing" word is a verb after "is" or a comma, or before its object ("covering the town")."""
        if self.chunk or not word.endswith("ing") or len(word) < 6 or not re.search("[aeiouy]", word[:-3]):
            return False
        return previous in _SETS["linking"] | _SETS["aux"] | {","} or following in DETERMINERS | _SETS["objects"]

    def function_word(self, word: str, previous: str | None, following: str | None) -> None:
        self.close()
        self.joined = word in ("and", "or") and self.verb_seen  # "grabs her camera and runs outside"
        if (not word[:1].isalpha() and word != ",") or word in _SETS["clause"]:
            self.verb_seen = False
        keep = self.verb_next and word in _SETS["aux"]  # "they will build": the verb is still to come
        starts_verb = word in _SETS["subjects"] | _SETS["before_verb"]  # "they build", "never sleeps"
        self.verb_next = keep or starts_verb or (word == "to" and following not in DETERMINERS)
        self.opened = word in DETERMINERS | PREPOSITIONS
        if word in _SETS["linking"]:
            self.predicate = True
        elif word not in ("and", "or", ",") or not self.predicate:
            self.predicate = False

    def second_verb(self, word: str, following: str | None) -> bool:
        """An "-s" word right after "and" in a clause that had its verb, before an adverb, "outside" or an object
        ("and runs outside", "and lands softly", "and climbs the hill"), is that clause's second verb; before a
        noun or a preposition it stays a noun ("apples and pears from the market")."""
        if not self.joined or self.chunk or not plural(word) or following is None:
            return False
        after = ADVERBS | DETERMINERS | _SETS["objects"] | {"outside", "inside"}
        return following in after or adverb(following)

    def verb(self, word: str) -> None:
        self.close()
        self.verb_next, self.verb_seen, self.predicate = False, True, word in _SETS["linking"]

    def read(self, i: int) -> None:
        word = self.tokens[i]
        previous = self.tokens[i - 1] if i else None
        following = self.tokens[i + 1] if i + 1 < len(self.tokens) else None
        if not word or not word[0].isalpha() or word in STOPWORDS or word in DETERMINERS | PREPOSITIONS:
            self.function_word(word, previous, following)
            return
        self.content_word(word, previous, following)
        self.joined = False

    def content_word(self, word: str, previous: str | None, following: str | None) -> None:
        if (adverb(word) and previous not in DETERMINERS) or word in _SETS["before_verb"]:
            self.close()
            self.verb_next = True  # "quickly grabs", "never sleeps"
        elif (
            self.verb_next
            or word in _SETS["linking"]
            or (word.endswith("ed") and len(word) > 4 and not word.endswith("eed"))
        ):
            self.verb(word)
        elif word in VAGUE or word in ADVERBS:
            self.close()
            self.verb_next = False
        elif (
            (self.chunk and self.verb_s(word, following))
            or self.verb_ing(word, previous, following)
            or self.second_verb(word, following)
        ):
            self.verb(word)
        else:
            self.chunk.append(word)
            if plural(word) or len(self.chunk) == 3:
                self.close()
                self.verb_next = plural(word) and following is not None and following[0].isalpha()


def noun_phrases(text: str) -> list[tuple[str, str]]:
    """English noun phrases a viewer would picture, in order, as (phrase, head): "A red kite climbs over a windy
    beach" gives ("red kite", "kite"), ("windy beach", "beach"); "The queen lays thousands of eggs each day"
    gives ("queen", "queen"), ("eggs", "eggs")."""
    reader = _Reader(tokens(text))
    for i in range(len(reader.tokens)):
        reader.read(i)
    reader.close()
    return reader.found


def search_terms(text: str, limit: int = 3) -> list[str]:
    """Search terms for an English scene: its noun phrases (one per noun, the first with its adjective)."""
    terms: list[str] = []
    heads: set[str] = set()
    for phrase, head in noun_phrases(text):
        if head in heads:
            continue
        heads.add(head)
        terms.append(phrase if not terms else head)
    return terms[:limit]


__all__ = [
    "ADJECTIVES",
    "ADVERBS",
    "DETERMINERS",
    "PREPOSITIONS",
    "STOPWORDS",
    "VAGUE",
    "adjective",
    "adverb",
    "looks_english",
    "noun_phrases",
    "plural",
    "search_terms",
    "singular",
    "tokens",
]
