"""Measuring zhkg: extraction against gold annotations, and question answering against a BM25 baseline."""
