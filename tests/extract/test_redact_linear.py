"""Redaction is linear-time: adversarial inputs of 100–200 KB finish in well under a second.

The bound (2 s for each input) is generous so a loaded machine does not make it flaky; the
rules this module replaced took 39 s on 20 KB of ``password=a-a-…`` and 24 s on 20 KB of
``sk-sk-…`` (quadratic), so they would fail it by far. Doubling an input must not make it
more than about twice as slow either.
"""

import time

import pytest
from fake_secrets import fake

from extract.redact import redact, redact_name

N = 100_000
HEX = "0123456789abcdef"

ADVERSARIAL = {
    "password= then a-a-a-": "password=" + "a-" * (N // 2),
    "password= then a-1a-1": "password=" + "a-1" * (N // 3),
    "hex before a URL": HEX * (N // 16) + "://user:pw@host",
    "run of =": "=" * (2 * N),
    "run of :": ":" * (2 * N),
    "run of @": "@" * (2 * N),
    "@ after a URL user": "a://x:" + "@" * (2 * N),
    "a: after a URL": "https://" + "a:" * N,
    "run of ://": "://" * N,
    "base64": "AbC+/9" * (N // 6),
    "base64 after token:": "token: " + "AbC+/9" * (N // 6),
    "base64 after AccountKey=": "AccountKey=" + "AbC+/9" * (N // 6),
    "base64 after Bearer": "Bearer " + "AbC+/9" * (N // 6),
    "&#95; entities": "&#95;" * (N // 5),
    "hf then &#95; entities": "hf" + "&#95;" * (N // 5),
    "&amp; nested": "&amp;" * (N // 5),
    "eyJ": "eyJ" * (N // 3),
    "eyJ with dots": ("eyJ" + "a" * 10 + ".") * (N // 14),
    "sk-": "sk-" * (N // 3),
    "hf_": "hf_" * (N // 3),
    "sk_live_": "sk_live_" * (N // 8),
    "xoxb-": "xoxb-" * (N // 5),
    "AKIA": "AKIA" * (N // 4),
    "token": "token" * (N // 5),
    "token:": "token:" * (N // 6),
    "password=password=": "password=" * (N // 9),
    "PasswordPassword": "Password" * (N // 8),
    "Password= in a connection string": ";Password=" + "a" * N,
    "pwd= with spaces": "pwd=" + "a " * (N // 2) + ";",
    "密碼：": "密碼：" * (N // 3),
    "密碼：aaaa": "密碼：" + "a" * N,
    "quoted password": 'password="' + "a" * N,
    "spaces after password:": "password:" + " " * N + "x",
    "-----BEGIN ": "-----BEGIN " * (N // 11),
    "-----BEGIN A A A": "-----BEGIN " + "A " * (N // 2),
    "unterminated private key": "-----BEGIN " + "PRIVATE KEY-----\n" + "MIIE\n" * (N // 5),
    "aws_secret_key=": "aws_secret_key=" * (N // 15),
    "Bearer Bearer": "Bearer " * (N // 7),
    "?sig=": "?sig=" * (N // 5),
    "stars inside a token": "a" + "*" * N + "b",
    "underscores": "a" + "_" * N + " ",
    "a_*": "a_*" * (N // 3),
    "backslashes": "\\-" * (N // 2),
    "zero-width run": "hf_" + "\u200b" * N,
    "full-width run": "ｈ" * N,
    "inline tags": "a" + "<b>" * (N // 3),
    "SG. dots": "SG." + "." * N,
    "digits": "1" * N,
}


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_adversarial_input_is_fast(name: str) -> None:
    text = ADVERSARIAL[name]
    start = time.perf_counter()
    redact(text)
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, f"{name}: {elapsed:.2f}s for {len(text)} characters"


@pytest.mark.parametrize("name", ["password= then a-a-a-", "sk-", "eyJ with dots", "&#95; entities", "a_*"])
def test_twice_the_input_takes_about_twice_the_time(name: str) -> None:
    text = ADVERSARIAL[name]

    def best(t: str) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            redact(t)
            times.append(time.perf_counter() - start)
        return min(times)

    small, large = best(text), best(text * 4)
    # linear: ~4x; quadratic would be ~16x. Allow noise, plus a floor for tiny timings.
    assert large < 8 * small + 0.05, (name, small, large)


def test_many_secrets_are_still_linear() -> None:
    text = " ".join(fake("hf" + "_", 34) for _ in range(5000))  # 5000 spans, 180 KB
    start = time.perf_counter()
    out, found = redact(text)
    assert time.perf_counter() - start < 2.0
    assert len(found) == 5000 and "hf_" not in out


def test_long_file_names_are_fast() -> None:
    start = time.perf_counter()
    redact_name("sk-" * 20_000 + "/" + "hf_" * 300 + ".md")
    assert time.perf_counter() - start < 2.0
