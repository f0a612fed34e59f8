"""Fake credentials of every kind zhkg redacts, assembled at run time so no real-looking key is committed."""

A = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789"


def fake(prefix: str, n: int, alphabet: str = A) -> str:
    return prefix + (alphabet * 3)[:n]


CASES = [
    ("huggingface_token", fake("hf" + "_", 34)),
    ("openai_key", fake("sk" + "-", 48)),
    ("openai_key", fake("sk-" + "proj-", 40, A + "_-")),
    ("github_token", fake("gh" + "p_", 36)),
    ("github_token", fake("github" + "_pat_", 60, A + "_")),
    ("aws_access_key", fake("AK" + "IA", 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")),
    ("slack_token", fake("xo" + "xb-", 30, "0123456789-abcdef")),
    ("google_api_key", fake("AI" + "za", 35, A + "_-")),
    (
        "jwt",
        "ey"
        + "JhbGciOiJIUzI1NiJ9.ey"
        + "JzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ),
]
