"""Written text → what a voice should say: numbers, money, dates, addresses and abbreviations as words.

The words around the numbers ("per cent", "pounds", "dot") come from the
layout's audio/reading.toml, numbers from num2words in the publication's
language; a language num2words lacks keeps its digits (the engine reads them).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from num2words import CONVERTER_CLASSES, num2words

DASHES = "\u2012\u2013\u2014\u2015\u2212"
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>()\"']*[^\s<>()\"'.,;:!?]", re.I)
_DOMAIN = re.compile(r"\b(?:[a-z0-9-]+\.)+(?:org|com|net|uk|io|info|gov|edu|eu|int|coop|[a-z]{2})(?:/[^\s<>()\"']*"
                     r"[^\s<>()\"'.,;:!?])?(?![\w@])", re.I)  # example.org/donate, written without http
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b")
_TIME = re.compile(r"\b(\d{1,2})(?:[.:](\d{2}))?\s?([ap])\.?m\b", re.I)
_DECADE = re.compile(r"\b(1\d|20)(\d)0s\b")
_YEAR_CUE = r"(?:in|since|from|until|till|by|of|to|and|year|early|late|mid|summer|winter|spring|autumn)"
_CAPITALS = re.compile(r"\b[A-Z]{2,6}s?\b")
_SPACE = re.compile(r"\s+")


def num2words_language(language: str) -> str | None:
    """The num2words code for a BCP 47 tag ("en-GB" → "en", "pt-BR" → "pt_BR"), or None if it has none."""
    parts = language.replace("_", "-").split("-")
    for code in (f"{parts[0].lower()}_{parts[1].upper()}" if len(parts) > 1 else "", parts[0].lower()):
        if code in CONVERTER_CLASSES:
            return code
    return None


@lru_cache(maxsize=8)
def month_names(language: str) -> tuple[str, ...]:
    try:
        names = Locale.parse(language.replace("-", "_")).months["format"]["wide"]
    except (UnknownLocaleError, ValueError, KeyError):
        names = Locale("en").months["format"]["wide"]
    return tuple(names[i] for i in range(1, 13))


FALLBACK_WORDS = {"percent": "%", "to": "", "and": "", "minus": "", "dot": "", "slash": "", "at": ""}


def _number_symbols(language: str) -> tuple[str, str]:
    """The group and decimal marks of the language's numbers ("," and "." in English, "." and "," in German)."""
    try:
        symbols = Locale.parse(language.replace("-", "_")).number_symbols["latn"]
        group, decimal = symbols["group"], symbols["decimal"]
    except (UnknownLocaleError, ValueError, KeyError, TypeError):
        return ",", "."
    return (group if group.strip() else "\u202f"), decimal


class Speech:
    """The normaliser for one publication: `say(text)` gives the words a voice should speak."""

    def __init__(self, language: str, settings: dict):
        self.language = num2words_language(language)
        self.english = (self.language or "").startswith("en")
        self.own_words = str(settings.get("language", "")).lower() == language.split("-")[0].lower()
        if not self.own_words:
            # the layout's words are another language's: keep symbols ("%", "@") for the engine to say
            settings = {k: v for k, v in settings.items() if k not in ("words", "currencies", "abbreviations")}
        self.words: dict = {**FALLBACK_WORDS, **settings.get("words", {})}
        symbols = _number_symbols(language)
        self.group, self.decimal = symbols
        self.number_pattern = (rf"\d{{1,3}}(?:{re.escape(self.group)}\d{{3}})+(?:{re.escape(self.decimal)}\d+)?"
                               rf"|\d+(?:{re.escape(self.decimal)}\d+)?")
        self.currencies: dict = settings.get("currencies", {})
        self.scales: dict = settings.get("scales", {})
        self.abbreviations: dict = settings.get("abbreviations", {})
        self.as_words = frozenset(settings.get("words-not-letters", ()))
        self.months = month_names(language)
        self._abbreviation = self._alternatives(self.abbreviations)

    @staticmethod
    def _alternatives(table: dict) -> re.Pattern | None:
        if not table:
            return None
        keys = sorted(table, key=len, reverse=True)
        return re.compile("|".join(rf"(?<![\w&]){re.escape(k)}" + (r"(?![\w&])" if k[-1].isalnum() else "")
                                   for k in keys))

    def word(self, name: str) -> str:
        return str(self.words.get(name, name))

    # numbers ---------------------------------------------------------------------------------

    def number(self, written: str, to: str = "cardinal") -> str:
        """Digits as words ("1,200" → "one thousand, two hundred"); the digits themselves if no language."""
        plain = written.replace(self.group, "").replace(self.decimal, ".")
        if self.language is None:
            return written
        try:
            value = float(plain) if "." in plain else int(plain)
            return num2words(value, lang=self.language, to=to)
        except (NotImplementedError, OverflowError, ValueError, TypeError, KeyError, IndexError):
            return written

    def _money(self, match: re.Match) -> str:
        symbol, amount, scale = match.group("symbol"), match.group("amount"), (match.group("scale") or "")
        one, many, *small = self._currency(symbol)
        scale_word = self.scales.get(scale.lower(), scale.lower()) if scale else ""
        plain = amount.replace(self.group, "").replace(self.decimal, ".")
        whole, _, fraction = plain.partition(".")
        if scale_word:  # "£1.5bn": one point five billion pounds
            return f"{self.number(amount)} {scale_word} {many}"
        spoken = f"{self.number(whole)} {one if whole == '1' else many}"
        if fraction and int(fraction[:2].ljust(2, "0")) and len(small) == 2:
            cents = int(fraction[:2].ljust(2, "0"))
            spoken += f"{' ' + self.word('and') if self.word('and') else ''} {self.number(str(cents))} {small[0] if cents == 1 else small[1]}"
        return spoken

    def _currency(self, symbol: str) -> list[str]:
        if symbol in self.currencies:
            return list(self.currencies[symbol])
        code = {"£": "GBP", "€": "EUR", "$": "USD"}.get(symbol, "")
        forms = getattr(CONVERTER_CLASSES.get(self.language or "", None), "CURRENCY_FORMS", {}).get(code)
        if forms:
            return [forms[0][0], forms[0][1], forms[1][0], forms[1][1]]
        return [symbol, symbol]

    def _date(self, match: re.Match) -> str:
        day, month, year = match.group("day"), match.group("month"), match.group("year")
        spoken = self.word("day-month").format(day=self.number(day, "ordinal"), month=month)
        return spoken + (f" {self.number(year, 'year')}" if year else "")

    def _year(self, match: re.Match) -> str:
        return match.group(1) + self.number(match.group(2), "year")

    def _time(self, match: re.Match) -> str:
        hour, minutes, half = match.groups()
        spoken = self.number(hour) + (f" {self.number(minutes)}" if minutes and minutes != "00" else "")
        return f"{spoken} {half.upper()} M"

    # addresses -------------------------------------------------------------------------------

    def address(self, text: str) -> str:
        """A URL or e-mail address as a person says it: "socialistparty dot org dot uk slash join"."""
        text = re.sub(r"^(?:https?://)?(?:www\.)?", "", text, flags=re.I).rstrip("/")
        text = re.sub(r"[?#].*$", "", text)
        parts = re.split(r"([./@])", text)
        names = {".": self.word("dot") or ".", "/": self.word("slash") or "/", "@": self.word("at") or "@"}
        return " ".join(names.get(p, p.replace("-", " ").replace("_", " ")) for p in parts if p)

    # the whole pass --------------------------------------------------------------------------

    def say(self, text: str) -> str:
        """The text as it should be spoken."""
        text = typography(text)
        text = _EMAIL.sub(lambda m: self.address(m.group(0)), text)
        text = _URL.sub(lambda m: self.address(m.group(0)), text)
        text = _DOMAIN.sub(lambda m: self.address(m.group(0)) if "/" in m.group(0) or _looks_like_site(m.group(0))
                           else m.group(0), text)
        if self._abbreviation:
            text = self._abbreviation.sub(lambda m: self.abbreviations[m.group(0)], text)
        text = self._numbers(text)
        text = _CAPITALS.sub(self._capitals, text)
        text = re.sub(rf"\s*[{DASHES}]\s*", ", ", text)
        text = re.sub(r"(?<=\w)/(?=\w)", " ", text)  # Pfizer/BioNTech, and/or, 24/7
        return _SPACE.sub(" ", text).strip()

    def _numbers(self, text: str) -> str:
        symbols = "".join(re.escape(s) for s in {*self.currencies, "£", "€", "$"})
        scales = "|".join(re.escape(s) for s in sorted(self.scales, key=len, reverse=True)) or "(?!)"
        NUMBER = self.number_pattern  # noqa: N806 - the language's digits, group and decimal marks
        money = re.compile(rf"(?P<symbol>[{symbols}])\s?(?P<amount>{NUMBER})"
                           rf"(?:\s?(?P<scale>{scales}|million|billion|trillion)\b)?", re.I)
        text = money.sub(self._money, text)
        after = re.compile(rf"(?P<amount>{NUMBER})\s?(?P<symbol>[{symbols}])(?P<scale>)")  # "8,72 €"
        text = after.sub(self._money, text)
        text = re.sub(rf"({NUMBER})\s?%", lambda m: f"{self.number(m.group(1))} {self.word('percent')}", text)
        text = re.sub(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_]{2,})(?!st|nd|rd|th)", " ", text)
        if self.word("to"):
            text = re.sub(rf"(?<![\w.,])({NUMBER})\s?[{DASHES}-]\s?({NUMBER})(?![\d.,]*\d)",
                          lambda m: f"{m.group(1)} {self.word('to')} {m.group(2)}", text)
        if self.english:
            months = "|".join(self.months)
            text = re.sub(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)? (?P<month>{months})(?: (?P<year>\d{{4}}))?\b",
                          self._date, text)
            text = re.sub(rf"\b(?P<month>{months}) (?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:, (?P<year>\d{{4}}))?\b",
                          self._date, text)
            text = _TIME.sub(self._time, text)
            text = _DECADE.sub(lambda m: _plural(self.number(m.group(1) + m.group(2) + "0", "year")), text)
            text = re.sub(rf"(\b(?:{_YEAR_CUE}|{months}) )(1[1-9]\d\d|20\d\d)\b", self._year, text, flags=re.I)
            text = _ORDINAL.sub(lambda m: self.number(m.group(1), "ordinal"), text)
        if self.word("minus"):
            text = re.sub(r"(?<![\w-])-(?=\d)", f"{self.word('minus')} ", text)
        return re.sub(NUMBER, lambda m: self.number(m.group(0)), text)

    def _capitals(self, match: re.Match) -> str:
        word = match.group(0)
        stem, plural = (word[:-1], "s") if word.endswith("s") and word[:-1].isupper() else (word, "")
        if stem in self.as_words or len(stem) < 2:
            return stem.capitalize() + plural
        return " ".join(stem) + (f"'{plural}" if plural else "")


def _looks_like_site(name: str) -> bool:
    """"socialistparty.org.uk" is an address; "e.g" or "No.5" are not: a known top-level domain at the end."""
    return name.rsplit(".", 1)[-1].lower() in ("org", "com", "net", "uk", "io", "info", "gov", "edu", "eu", "coop")


def _plural(word: str) -> str:
    """"nineteen eighty" → "nineteen eighties"."""
    return word[:-1] + "ies" if word.endswith("y") else word + "s"


def typography(text: str) -> str:
    """Typography a voice stumbles on, made plain: ligatures, soft hyphens, curly quotes, odd spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub("[\u00ad\u200b\u200c\u200d\u2060\ufeff]", "", text)
    text = text.translate({0x2018: "'", 0x2019: "'", 0x201A: "'", 0x201B: "'", 0x2032: "'",
                           0x201C: "", 0x201D: "", 0x201E: "", 0x00AB: "", 0x00BB: "", 0x2039: "", 0x203A: "",
                           0x2022: ",", 0x00B7: ",", ord('"'): ""})
    text = text.replace("...", "\u2026").replace("\u2026", ", ")
    return text
