"""Word, sentence and reading-time statistics."""

import math
import re
from dataclasses import dataclass

DEFAULT_WPM = 200

WORD_RE = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*")
_SENTENCE_END_RE = re.compile(r"[.!?]+(?=\s|$)")
_TRAILING_END_RE = re.compile(r"[.!?]+[\"')\]]*$")


def count_words(text):
    """Count words; hyphenated and apostrophised words count once."""
    return len(WORD_RE.findall(text))


def count_sentences(text):
    """Count sentences ending in ``.``, ``!`` or ``?``; a trailing fragment counts too."""
    stripped = text.strip()
    if not stripped:
        return 0
    count = len(_SENTENCE_END_RE.findall(stripped))
    if not _TRAILING_END_RE.search(stripped):
        count += 1
    return count


def reading_time(words, wpm=DEFAULT_WPM):
    """Minutes needed to read *words* words, rounded up; zero for no words."""
    if wpm <= 0:
        raise ValueError("words per minute must be positive")
    if words <= 0:
        return 0
    return max(1, math.ceil(words / wpm))


def format_reading_time(minutes):
    if minutes <= 0:
        return "less than a minute"
    if minutes == 1:
        return "1 minute"
    return f"{minutes} minutes"


@dataclass(frozen=True)
class TextStats:
    words: int
    sentences: int
    characters: int
    reading_minutes: int

    @property
    def average_sentence_length(self):
        if not self.sentences:
            return 0.0
        return round(self.words / self.sentences, 1)


def compute_stats(text, wpm=DEFAULT_WPM):
    """Compute :class:`TextStats`; *characters* excludes whitespace."""
    words = count_words(text)
    characters = len(re.sub(r"\s", "", text))
    return TextStats(words, count_sentences(text), characters, reading_time(words, wpm))
