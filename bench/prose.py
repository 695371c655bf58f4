"""Seeded random prose: a random.Random in, sentences, titles, names and Markdown blocks out."""

from __future__ import annotations

import random
import re
import unicodedata

from bench import words as W

NOUNS = W.spaced(W.NOUNS)
ADJECTIVES = W.ADJECTIVES
PLACES = W.spaced(W.PLACES)
SURNAMES = W.spaced(W.SURNAMES)
OPENERS = W.spaced(W.SUBORDINATE_OPENERS)
KEYWORDS = W.spaced(W.KEYWORDS)
KICKERS = W.spaced(W.KICKERS)

# Sentence shapes as part-of-speech codes; see Prose._word for the codes.
CLAUSES = [
    "D A N VP D N P D N",
    "PR VS D N P D A N",
    "D N VP P PL",
    "U N P PL VP D A N",
    "D N R VP NUM N",
    "PR VS P VB D N C VB D A N",
    "D A N P NUM N VS D N",
    "D N P PL VP D A N P D N",
    "PR R VP D N",
    "N P D N VS D A N",
    "D N VS R A",
    "PN VP D N P D A N",
]


def slugify(text: str, max_words: int = 7) -> str:
    """ASCII, lower-case, hyphen-joined: the file-name slug of a title."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    parts = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(parts[:max_words]) or "article"


class Prose:
    """Generates text from one Random; counts the words it has produced."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    # -- words ---------------------------------------------------------------

    def number(self) -> str:
        r = self.rng
        kind = r.randrange(6)
        if kind == 0:
            return f"£{r.randint(2, 950)} million"
        if kind == 1:
            return f"{r.randint(2, 99)},{r.randrange(1000):03d}"
        if kind == 2:
            return f"{r.randint(2, 40)}%"
        if kind == 3:
            return f"{r.randint(2, 60)} per cent of"
        if kind == 4:
            return f"£{r.randint(1, 30)}.{r.randrange(10)} billion"
        return str(r.randint(3, 400))

    def name(self) -> str:
        return f"{self.rng.choice(W.FIRST_NAMES)} {self.rng.choice(SURNAMES)}"

    def _word(self, code: str) -> str:
        r = self.rng
        match code:
            case "N":
                return r.choice(NOUNS)
            case "A":
                return r.choice(ADJECTIVES)
            case "VP":
                return r.choice(W.VERBS_PAST)
            case "VS":
                return r.choice(W.VERBS_PRESENT)
            case "VB":
                return r.choice(W.VERBS_BASE)
            case "R":
                return r.choice(W.ADVERBS)
            case "P":
                return r.choice(W.PREPOSITIONS)
            case "D":
                return r.choice(W.DETERMINERS)
            case "C":
                return r.choice(W.CONJUNCTIONS)
            case "PR":
                return r.choice(W.PRONOUNS)
            case "NUM":
                return self.number()
            case "PL":
                return r.choice(PLACES)
            case "U":
                return r.choice(W.UNIONS)
            case "PN":
                return self.name()
        raise ValueError(code)

    def clause(self) -> str:
        return " ".join(self._word(c) for c in self.rng.choice(CLAUSES).split())

    # -- sentences and paragraphs ----------------------------------------------

    def sentence(self) -> str:
        r = self.rng
        roll = r.random()
        if roll < 0.08:
            # Direct quotation, UK style curly quotes.
            quote = self.clause()
            text = f"{self.name()} said: “{quote[0].upper()}{quote[1:]}.”"
            return text
        text = self.clause()
        if r.random() < 0.35:
            text += f", {r.choice(W.CONJUNCTIONS)} {self.clause()}"
        if r.random() < 0.12:
            text += f" – {self.clause()}"
        if r.random() < 0.15:
            text = f"{r.choice(OPENERS)}, {text}"
        if r.random() < 0.04:
            words = text.split(" ")
            i = r.randrange(len(words))
            words[i] = f"*{words[i]}*" if r.random() < 0.6 else f"**{words[i]}**"
            text = " ".join(words)
        end = "." if roll < 0.94 else ("?" if roll < 0.98 else "!")
        return text[0].upper() + text[1:] + end

    def paragraph(self, target: int) -> str:
        """About `target` words of sentences (at least one sentence)."""
        out: list[str] = []
        count = 0
        while count < target:
            s = self.sentence()
            out.append(s)
            count += len(s.split())
        return " ".join(out)

    def phrase(self, lo: int = 3, hi: int = 8) -> str:
        """A title-ish phrase without a full stop."""
        r = self.rng
        forms = [
            lambda: f"{r.choice(ADJECTIVES)} {r.choice(NOUNS)} {r.choice(W.PREPOSITIONS)} {r.choice(PLACES)}",
            lambda: f"{r.choice(W.VERBS_BASE)} the {r.choice(NOUNS)}",
            lambda: f"{r.choice(PLACES)} {r.choice(NOUNS)} {r.choice(W.VERBS_PAST)}",
            lambda: f"{r.choice(W.UNIONS)} {r.choice(NOUNS)} {r.choice(W.VERBS_BASE)} "
                    f"{r.choice(ADJECTIVES)} {r.choice(NOUNS)}",
            lambda: f"{r.choice(ADJECTIVES)} {r.choice(NOUNS)}, {r.choice(ADJECTIVES)} {r.choice(NOUNS)}",
            lambda: f"{r.choice(W.VERBS_BASE)} {r.choice(ADJECTIVES)} {r.choice(NOUNS)} "
                    f"{r.choice(W.PREPOSITIONS)} {r.choice(NOUNS)}",
        ]
        text = r.choice(forms)()
        n = len(text.split())
        if n < lo:
            text += f" {r.choice(W.PREPOSITIONS)} {r.choice(NOUNS)}"
        return " ".join(text.split()[:hi])

    def title(self) -> str:
        t = self.phrase()
        if self.rng.random() < 0.25:
            t += f": {self.phrase(2, 5)}"
        if self.rng.random() < 0.1:
            t += "!"
        return t[0].upper() + t[1:]

    def standfirst(self) -> str:
        s = self.clause()
        if self.rng.random() < 0.5:
            s += f" - {self.phrase(2, 6)}"
        return s[0].upper() + s[1:]

    def words_in(self, text: str) -> int:
        return len(text.split())
