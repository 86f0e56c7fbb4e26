import pytest

from docforge.text.stats import (TextStats, compute_stats, count_sentences, count_words,
                                 format_reading_time, reading_time)


def test_count_words_simple():
    assert count_words("The quick brown fox.") == 4


def test_count_words_hyphen_and_apostrophe_are_single_words():
    assert count_words("It's a well-known state-of-the-art tool") == 5


def test_count_words_ignores_punctuation_only():
    assert count_words("-- ... !!") == 0


def test_count_sentences():
    assert count_sentences("One. Two! Three? Four") == 4


def test_count_sentences_ellipsis_counts_once():
    assert count_sentences("Wait... What?") == 2


def test_count_sentences_decimal_is_not_an_end():
    assert count_sentences("Pi is 3.14 roughly.") == 1


def test_count_sentences_empty():
    assert count_sentences("   ") == 0


def test_reading_time_rounds_up():
    assert reading_time(201) == 2


def test_reading_time_minimum_one_minute():
    assert reading_time(5) == 1


def test_reading_time_zero_words():
    assert reading_time(0) == 0


def test_reading_time_custom_speed():
    assert reading_time(300, wpm=100) == 3


def test_reading_time_rejects_bad_speed():
    with pytest.raises(ValueError):
        reading_time(10, wpm=0)


@pytest.mark.parametrize("minutes,expected", [
    (0, "less than a minute"), (1, "1 minute"), (7, "7 minutes")])
def test_format_reading_time(minutes, expected):
    assert format_reading_time(minutes) == expected


def test_compute_stats():
    stats = compute_stats("Hello there. General Kenobi!")
    assert stats == TextStats(words=4, sentences=2, characters=25, reading_minutes=1)


def test_average_sentence_length():
    assert TextStats(10, 3, 50, 1).average_sentence_length == 3.3
    assert TextStats(0, 0, 0, 0).average_sentence_length == 0.0


def test_reading_time_one_word_per_minute():
    assert reading_time(10, wpm=1) == 10
