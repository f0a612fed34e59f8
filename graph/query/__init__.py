"""Retrieval for ``zhkg ask``: tokenizer, BM25, entity linking, local/global/hybrid search, router."""
