"""Remove credentials from text before anything is stored.

Runs on the decoded file text, before markup is parsed, so front matter,
code blocks and HTML attributes are covered too; everything downstream
(blocks, body, chunks, evidence, exports, Neo4j) only ever sees the
``[REDACTED:<kind>]`` marker. Only the kind and line are reported, never the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extract.records import Redaction


@dataclass(frozen=True, slots=True)
class _Rule:
    kind: str
    pattern: re.Pattern[str]
    group: int = 0  # which group holds the secret (0 = whole match)


_B = r"(?<![A-Za-z0-9_\-])"  # left boundary: not inside a longer token
_E = r"(?![A-Za-z0-9_\-])"

RULES: tuple[_Rule, ...] = (
    _Rule(
        "private_key",
        re.compile(
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
            r"(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[\s\S]*\Z)"
        ),
    ),
    _Rule("jwt", re.compile(_B + r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}" + _E)),
    _Rule("huggingface_token", re.compile(_B + r"hf_[A-Za-z0-9]{30,}" + _E)),
    _Rule(
        "openai_key",
        re.compile(_B + r"sk-(?:proj-|svcacct-|admin-|ant-[a-z0-9]+-)?[A-Za-z0-9_\-]{20,}" + _E),
    ),
    _Rule(
        "github_token", re.compile(_B + r"(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})" + _E)
    ),
    _Rule("aws_access_key", re.compile(_B + r"(?:AKIA|ASIA)[0-9A-Z]{16}" + _E)),
    _Rule(
        "aws_secret_key",
        re.compile(r"(?i)aws_secret_access_key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"),
        group=1,
    ),
    _Rule("slack_token", re.compile(_B + r"xox[abposr]-[A-Za-z0-9\-]{10,}" + _E)),
    _Rule("google_api_key", re.compile(_B + r"AIza[0-9A-Za-z_\-]{35}" + _E)),
    # user:password@host in any URL scheme; the user name stays, the password goes.
    _Rule("url_password", re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]+:([^/\s@]+)@"), group=1),
    # KEY=value assignments of anything that looks like a credential name.
    _Rule(
        "assigned_secret",
        re.compile(
            r"(?i)\b[A-Z0-9_.\-]*(?:api[_\-]?key|secret(?:[_\-]?key)?|access[_\-]?token|auth[_\-]?token"
            r"|password|passwd)[\"']?\s*[:=]\s*[\"']?((?=[A-Za-z0-9_\-./+=]*\d)(?=[A-Za-z0-9_\-./+=]*[A-Za-z])"
            r"[A-Za-z0-9_\-./+=]{12,})"
        ),
        group=1,
    ),
)

_MARKER = re.compile(r"\[REDACTED:[a-z_]+\]")
# Every rule needs one of these fragments; most documents contain none, and one scan tells.
_TRIGGER = re.compile(
    r"PRIVATE KEY|eyJ|hf_|sk-|gh[pousr]_|github_pat_|AKIA|ASIA|xox|AIza|://"
    r"|(?i:(?:api[_\-]?key|secret|token|passw(?:or)?d)[\w\-]*[\"']?\s*[:=])"
)
# A faster screen for _TRIGGER: its case-sensitive fragments, then its case-insensitive ones
# matched on ``text.lower()`` (a case-insensitive regex cannot skip ahead to candidate
# characters). Besides ASCII case, ``(?i)`` lets ı match i and ſ match s, hence their
# classes; İ is the one character whose lower case is longer (i + U+0307): a text holding
# it is checked with _TRIGGER itself.
_TRIGGER_LITERALS = re.compile(r"PRIVATE KEY|eyJ|hf_|sk-|gh[pousr]_|github_pat_|AKIA|ASIA|xox|AIza|://")
_TRIGGER_NAMES_LOWER = re.compile(
    r"(?:ap[iı][_\-]?key|[sſ]ecret|token|pa[sſ][sſ]w(?:or)?d)[\w\-]*[\"']?\s*[:=]"
)


def _may_hold_secret(text: str) -> bool:
    """Exactly ``_TRIGGER.search(text) is not None``, answered mostly by the faster screens."""
    if _TRIGGER_LITERALS.search(text):
        return True
    low = text.lower()
    if "\u0307" not in low and _TRIGGER_NAMES_LOWER.search(low) is None:
        return False
    return _TRIGGER.search(text) is not None


def redact(text: str) -> tuple[str, tuple[Redaction, ...]]:
    """Return ``text`` with every secret replaced, and where each one was (1-based line numbers)."""
    if not _may_hold_secret(text):
        return text, ()
    spans: list[tuple[int, int, str]] = []
    for rule in RULES:
        for m in rule.pattern.finditer(text):
            start, end = m.span(rule.group)
            if _MARKER.fullmatch(text[start:end]) or any(s < end and start < e for s, e, _ in spans):
                continue
            spans.append((start, end, rule.kind))
    if not spans:
        return text, ()
    spans.sort()
    out: list[str] = []
    found: list[Redaction] = []
    pos = 0
    line = 1
    for start, end, kind in spans:
        line += text.count("\n", pos, start)
        out.append(text[pos:start])
        out.append(f"[REDACTED:{kind}]")
        found.append(Redaction(kind=kind, line=line))
        line += text.count("\n", start, end)
        pos = end
    out.append(text[pos:])
    return "".join(out), tuple(found)
