"""A light suffix-stripping stemmer for English search terms."""

VOWELS = frozenset("aeiou")
MIN_STEM = 3


def has_vowel(text):
    return any(ch in VOWELS for ch in text) or "y" in text[1:]


def ends_double_consonant(text):
    return len(text) >= 2 and text[-1] == text[-2] and text[-1] not in VOWELS


def _strip_suffix(word):
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ational"):
        return word[:-7] + "ate"
    if word.endswith("ization"):
        return word[:-7] + "ize"
    if word.endswith("fulness"):
        return word[:-4]
    if word.endswith("ness") and len(word) > 6:
        return word[:-4]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix):
            base = word[:-len(suffix)]
            if len(base) >= MIN_STEM and has_vowel(base):
                if ends_double_consonant(base) and base[-1] not in "lsz":
                    return base[:-1]
                return base
            return word
    if word.endswith("ly") and len(word) > 5:
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def stem(word):
    """Reduce *word* to a crude stem: ``running`` -> ``run``, ``pages`` -> ``page``."""
    word = word.lower()
    if len(word) <= MIN_STEM:
        return word
    stemmed = _strip_suffix(word)
    if stemmed.endswith("e") and len(stemmed) > 4:
        stemmed = stemmed[:-1]
    return stemmed
