from perfkit.text import anagram_groups, top_words, word_counts


def test_word_counts():
    assert word_counts("The cat and the hat") == {"the": 2, "cat": 1, "and": 1, "hat": 1}


def test_top_words():
    assert top_words("b a b c a b", 2) == [("b", 3), ("a", 2)]
    assert top_words("", 3) == []


def test_anagram_groups():
    assert anagram_groups(["tea", "eat", "tan", "ate", "nat", "bat"]) == [["tea", "eat", "ate"], ["tan", "nat"], ["bat"]]
