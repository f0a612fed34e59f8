"""Table-driven: every fake secret, in every disguise, is replaced as a whole.

For each raw value and disguise the output must hold neither the raw value, nor the
disguised spelling, nor the raw value after normalising the output (which would mean a
disguise character was left behind and the rest rebuilt the secret), and everything
around the value must be exactly as it was.
"""

from collections.abc import Callable

import pytest
from fake_secrets import CASES, LABELLED

from extract.redact import normalised, redact

_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_NAMED = {
    "_": "&lowbar;",
    "-": "&hyphen;",
    ".": "&period;",
    "@": "&commat;",
    "/": "&sol;",
    "+": "&plus;",
    "=": "&equals;",
    ":": "&colon;",
    "%": "&percnt;",
    "&": "&amp;",
    "~": "&tilde;",
    "!": "&excl;",
}
_INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\U000e0020", "\u180e", "\ufe0f"]


def _decimal(v: str) -> str:
    """Punctuation and the second character as decimal references: hf&#95;…, A&#75;IA…"""
    return "".join(f"&#{ord(c)};" if c in _PUNCT or i == 1 else c for i, c in enumerate(v))


def _hexadecimal(v: str) -> str:
    return "".join(f"&#x{ord(c):x};" if c in _PUNCT or i == 1 else c for i, c in enumerate(v))


def _named(v: str) -> str:
    # &hyphen; is U+2010, not "-": use a numeric reference there
    return "".join((_NAMED[c] if c != "-" else "&#45;") if c in _NAMED else c for c in v)


def _double(v: str) -> str:
    return _decimal(v).replace("&", "&amp;")


def _backslashes(v: str) -> str:
    return "".join("\\" + c if c in _PUNCT else c for c in v)


def _inner_positions(v: str) -> list[int]:
    """Places strictly inside ``v`` between two letters or digits (where a marker is inside a token)."""
    return [i for i in range(1, len(v)) if v[i - 1].isalnum() and v[i].isalnum()]


def _around(marker_open: str, marker_close: str) -> Callable[[str], str]:
    def disguise(v: str) -> str:
        pos = _inner_positions(v)
        i, j = pos[len(pos) // 4], pos[3 * len(pos) // 4]
        return v[:i] + marker_open + v[i:j] + marker_close + v[j:]

    return disguise


def _invisible(v: str) -> str:
    out = []
    for i, c in enumerate(v):
        out.append(c)
        if 0 < i < len(v) - 1 and i % 3 == 0:
            out.append(_INVISIBLE[i // 3 % len(_INVISIBLE)])
    return "".join(out)


def _fullwidth(v: str) -> str:
    return "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in v)


def _mixed(v: str) -> str:
    """Full-width, then invisible characters, then one more character as a reference."""
    w = _invisible(_fullwidth(v))
    return w[0] + f"&#{ord(w[1])};" + w[2:]


DISGUISES: dict[str, Callable[[str], str]] = {
    "plain": lambda v: v,
    "decimal entities": _decimal,
    "hex entities": _hexadecimal,
    "named entities": _named,
    "double-encoded entities": _double,
    "markdown backslashes": _backslashes,
    "bold inside": _around("**", "**"),
    "underscore emphasis inside": _around("__", "__"),
    "italic inside": _around("*", "*"),
    "strike inside": _around("~~", "~~"),
    "backticks inside": _around("`", "`"),
    "inline tags inside": _around("<b>", "</b><wbr>"),
    "zero-width and format characters": _invisible,
    "full-width": _fullwidth,
    "mixed": _mixed,
}


def _values() -> list[tuple[str, str, str]]:
    """(kind, template with {} for the value, raw value); a webhook's secret is its path."""
    out = []
    for kind, secret in CASES:
        if kind == "slack_webhook":
            host, path = secret.split("/services/")
            out.append((kind, "請把金鑰 " + host + "/services/{} 放好", path))
        else:
            out.append((kind, "請把金鑰 {} 放好", secret))
    return out + list(LABELLED)


VALUES = _values()


def test_the_table_covers_every_kind() -> None:
    kinds = {k for k, _, _ in VALUES}
    assert len(VALUES) >= 50 and len(kinds) >= 22


@pytest.mark.parametrize("name", DISGUISES)
def test_every_value_in_every_disguise_is_replaced(name: str) -> None:
    disguise = DISGUISES[name]
    failures = []
    disguised = 0
    for kind, template, raw in VALUES:
        hidden = disguise(raw)
        assert normalised(hidden).replace("\u3000", " ") == raw, (name, raw)
        disguised += hidden != raw  # backslashes and named references need punctuation: AKIA… has none
        text = "第一行\n" + template.replace("{}", hidden) + "\n第三行"
        out, found = redact(text)
        expected = "第一行\n" + template.replace("{}", f"[REDACTED:{kind}]") + "\n第三行"
        problems = [
            label
            for label, bad in (
                ("raw value left", raw in out),
                ("disguised value left", hidden in out),
                ("normalised output rebuilds it", raw in normalised(out)),
                ("text around it changed", out != expected),
                ("wrong kind or line", [(r.kind, r.line) for r in found] != [(kind, 2)]),
            )
            if bad
        ]
        if problems:
            failures.append((kind, template, problems, out))
    assert failures == []
    assert disguised >= (0 if name == "plain" else len(VALUES) // 2)
