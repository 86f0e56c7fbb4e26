"""Full-text search: tokenizing, stemming, indexing, querying and ranking."""
