"""Remove credentials from text (and from file names) before anything is stored.

Runs on the decoded file text, before markup is parsed, so front matter, code blocks and
HTML attributes are covered too; everything downstream (blocks, body, chunks, evidence,
exports, Neo4j) only ever sees the ``[REDACTED:<kind>]`` marker. Only the kind and line are
reported, never the value.

What is found (the kind in brackets):

- provider tokens: Hugging Face ``hf_…``/``api_org_…`` (huggingface_token), OpenAI and
  Anthropic ``sk-…``/``sk-proj-…``/``sk-ant-…`` (openai_key), GitHub ``ghp_``/``gho_``/``ghu_``/
  ``ghs_``/``ghr_``/``github_pat_`` (github_token), GitLab ``glpat-`` (gitlab_token), AWS
  ``AKIA``/``ASIA`` ids (aws_access_key), Slack ``xox?-`` (slack_token) and webhook paths
  (slack_webhook), Google ``AIza…`` (google_api_key) and OAuth ``ya29.…`` (google_oauth_token),
  Stripe ``sk_live_``/``sk_test_``/``rk_live_``/``rk_test_``/``whsec_`` (stripe_key), npm
  ``npm_`` (npm_token), PyPI ``pypi-AgEI…`` (pypi_token), SendGrid ``SG.…`` (sendgrid_key),
  Groq ``gsk_`` (groq_key), Replicate ``r8_`` (replicate_token), JWTs (jwt), PEM/OpenSSH/PGP
  private key blocks (private_key);
- Azure connection strings: ``AccountKey=``/``SharedAccessKey=`` (azure_key),
  ``SharedAccessSignature=`` and ``?sig=`` / ``&sig=`` in SAS URLs (azure_sas);
- ``Authorization: Basic <base64 of user:password>`` (basic_auth), ``Bearer <token>``
  anywhere (bearer_token: 8+ characters with a digit, or 20+ with both letter cases);
- ``AWS Secret Key: …`` / ``aws_secret_access_key = …`` with a 40-character value
  (aws_secret_key);
- the password of a URL's user-info, ``scheme://user:pa@ss@host`` (url_password): it runs
  to the last ``@`` before the host, user and host stay readable;
- ODBC/ADO connection strings ``…;Password=…;`` / ``Pwd=…;`` (password), and labelled values:
  a label, then ``:`` ``=`` ``：`` ``＝`` or ``:=`` (closing quotes, Markdown emphasis and spaces
  allowed around it), then the value on the same line. Password labels (``password``,
  ``passwd``, ``passphrase``, ``pwd``, 密碼, 密码, 口令; kind password) take any value of 4+
  characters, digits or not. Key labels (``secret``, ``secret key``, ``secret access key``,
  ``token``, ``api key``/``api_key``/``apikey``, ``access key``, ``access key id``,
  ``private key``, 密鑰, 密钥, 金鑰, 金钥, 權杖, 令牌; kind assigned_secret) take 8+ ASCII
  characters that look machine-made: a digit, both letter cases, or ``+ / =``
  (``foundry-local-prod`` is a name someone typed, ``9f2c…`` is a key). A label may end an
  identifier (``OPENAI_API_KEY``, ``dbPassword``, ``password2``) but not start one
  (``tokens:``, ``token_url:``, ``passwordless``, ``mypassword`` are not labels).

  The value is *not* redacted when it is prose, code or a placeholder, by this rule: it
  contains CJK or full-width characters, or a space (a quoted password may); it starts with
  ``< $ % { [ ! @ * & # / \\`` or ``./`` ``~/`` ``..`` (``<your password>``, ``$ENV_VAR``,
  ``${…}``, ``%VAR%``, ``{{ var }}``, paths); it is one repeated character or contains
  ``xxx``, ``***``, ``...`` or ``…``; it starts with your/my/example/sample/placeholder/dummy/
  insert/enter/replace/paste/fill/choose/todo/tbd/fixme/redacted/unused/ignored/anything/
  whatever or ``not-``/``no-``, or ends with ``here``; it is a literal such as none/null/true/
  false/str/string/required/optional/env; it is an identifier without digits that names a
  credential (``YOUR_TOKEN``, ``api_key``, ``dbPass``) or any dotted name without digits
  (``os.environ``, ``self.password``); it is followed by ``(`` or ``[`` (a call or a lookup);
  it is an unquoted identifier without digits followed by ``,`` ``)`` ``;`` (an argument or a
  statement in code); it is an unquoted plain word followed by another word (``Password:
  choose a strong one``); it holds ``://``. URL passwords skip the same kind of placeholder
  (``<password>``, ``${PW}``, ``password``, ``xxx``).

Not covered: values after ``--password hunter2`` or ``-p`` flags (no separator), XML elements
(``<password>…</password>``), a password written after 是/為 instead of a separator, the part
of an unquoted value after a space, ``,`` or ``;``, and tokens of providers not listed above.

Disguises: the rules run on a normalised view of the text, with HTML character references
decoded (``&#95;``, ``&#x5f;``, ``&lowbar;``, nested ``&amp;#95;``), Unicode format
characters dropped (category Cf: zero-width space and joiners, word joiner, BOM, soft hyphen,
bidi controls, tag characters…, and variation selectors, the grapheme joiner, Hangul
fillers), full-width forms folded to ASCII (NFKC over U+FF01–FF5E and U+3000, in every run
that holds a letter, digit or ＿ or touches ASCII), Markdown backslash escapes removed
(``sk\\-proj\\-…``), and emphasis markers and inline HTML tags inside a token removed
(``hf_**abc**def``, ``__``, ``*``, ``~~``, backticks, ``<b>``, ``<wbr>``). An offset map from
the view to the original lets every match replace the whole original span, disguise
characters included. The view is only built when the text holds one of those disguises;
text without a secret always comes back unchanged (the same string object).

Every pattern is linear-time: each starts with a literal or a one-character class (so the
regex engine skips to candidates), its left boundary is checked right after that, runs are
possessive, and a boundary never lets two attempts scan the same run; the one backtracking
run (a URL password, back to the last ``@``) is bounded by its authority, once per ``://``.
Case-insensitive words are found in ``text.lower()`` by literal scans.

:func:`redact_name` applies the token rules to a file name or path, component by component.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import html.entities
import logging
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from extract.normalize import WIDE
from extract.records import Redaction
from extract.timing import timed

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------
# The normalised view


@dataclass(frozen=True, slots=True)
class _Step:
    """How one rewrite moved text: output piece ``i`` starts at ``out_at[i]`` and came from
    ``src_from[i]:src_to[i]`` of the input; ``linear[i]`` says its characters map one to one
    (unchanged, or folded to the same length), otherwise the piece maps to its whole source."""

    out_at: list[int]
    src_from: list[int]
    src_to: list[int]
    linear: list[bool]

    def start(self, p: int) -> int:
        i = bisect.bisect_right(self.out_at, p) - 1
        return self.src_from[i] + (p - self.out_at[i]) if self.linear[i] else self.src_from[i]

    def end(self, q: int) -> int:
        i = bisect.bisect_right(self.out_at, q - 1) - 1
        return self.src_from[i] + (q - self.out_at[i]) if self.linear[i] else self.src_to[i]


@dataclass(frozen=True, slots=True)
class _View:
    """The text the rules read, and the rewrites (in order) that produced it from the original."""

    text: str
    steps: tuple[_Step, ...]

    def original(self, start: int, end: int) -> tuple[int, int]:
        for step in reversed(self.steps):
            start, end = step.start(start), step.end(end)
        return start, end


def _rewrite(
    text: str, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str]
) -> tuple[str, _Step] | None:
    """Apply ``repl`` to every match; None when nothing changed (the common case)."""
    out_at: list[int] = []
    src_from: list[int] = []
    src_to: list[int] = []
    linear: list[bool] = []
    parts: list[str] = []
    pos = out = 0
    for m in pattern.finditer(text):
        s, e = m.span()
        r = repl(m)
        if r == text[s:e]:
            continue
        if s > pos:
            out_at.append(out)
            src_from.append(pos)
            src_to.append(s)
            linear.append(True)
            parts.append(text[pos:s])
            out += s - pos
        if r:
            out_at.append(out)
            src_from.append(s)
            src_to.append(e)
            linear.append(len(r) == e - s)
            parts.append(r)
            out += len(r)
        pos = e
    if pos == 0:
        return None
    if pos < len(text) or not out_at:
        out_at.append(out)
        src_from.append(pos)
        src_to.append(len(text))
        linear.append(True)
        parts.append(text[pos:])
    return "".join(parts), _Step(out_at, src_from, src_to, linear)


def _apply(
    text: str, steps: list[_Step], pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str]
) -> str:
    """One rewrite of the view; its step is recorded only when it changed something."""
    done = _rewrite(text, pattern, repl)
    if done is None:
        return text
    steps.append(done[1])
    return done[0]


_ENTITY = re.compile(r"&(?:#([0-9]{1,8});?|#[xX]([0-9A-Fa-f]{1,7});|([A-Za-z][A-Za-z0-9]{1,31});)")


def _decode_entity(m: re.Match[str]) -> str:
    dec, hexa, name = m.groups()
    if name is not None:
        return html.entities.html5.get(name + ";", m.group())
    code = int(dec) if dec is not None else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return m.group()
    return chr(code)


# Invisible characters, dropped from the view: Unicode category Cf (zero-width space and
# joiners, word joiner, BOM, soft hyphen, bidi controls, tag characters…), variation
# selectors, the combining grapheme joiner and Hangul fillers. The BMP ones are listed; the
# astral candidates (U+110BD–1D17A, U+E0000–E0FFF) are checked by category, because a class
# of many astral ranges makes the regex engine several times slower on every character.
_HIDDEN_BMP = (
    "\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u180b-\u180f"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
)
_HIDDEN = re.compile(f"[{_HIDDEN_BMP}\U000110bd-\U0001d17a\U000e0000-\U000e0fff]")


def _drop_hidden(m: re.Match[str]) -> str:
    c = m.group()
    if c <= "\uffff" or unicodedata.category(c) == "Cf" or "\U000e0100" <= c <= "\U000e01ef":
        return ""
    return c


_BACKSLASH = re.compile(r"\\([!-/:-@\[-`{-~])")
# Full-width forms (U+FF01–FF5E, U+3000) are folded to ASCII in every run of them that holds
# a letter, a digit or ＿, or that touches an ASCII character: ｈｆ＿…, sk－proj, GPT（…）.
# A run of punctuation between Chinese characters (，：（） in prose) cannot be part of a
# secret and stays, which keeps the view cheap. Written class-first (the engine then skips
# to candidates) with lookbehinds that only let a run be tried from its first character.
_FW = "[\uff01-\uff5e\u3000]"
_FW_WORD = "[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff3f]"
_FW_OTHER = "[\uff01-\uff0f\uff1a-\uff20\uff3b-\uff3e\uff40\uff5b-\uff5e\u3000]"
_FULLWIDTH = re.compile(
    f"{_FW}(?:(?<!{_FW}{_FW})(?:(?<={_FW_WORD})|{_FW_OTHER}*+{_FW_WORD}){_FW}*+"
    f"|(?<=[!-~]{_FW}){_FW}*+|(?<!{_FW}{_FW}){_FW}*+(?=[!-~]))"
)
_FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Emphasis markers and inline tags between two token characters, as a whole run (the
# lookbehind right after the first character keeps the engine's fast literal scan and
# makes every run start at its first character).
_TOKEN_CHAR = r"[A-Za-z0-9\-]"
_EMPHASIS_STAR = re.compile(r"[*~`](?<=" + _TOKEN_CHAR + r"[*~`])[*~`_]*+(?=[A-Za-z0-9_\-])")
_EMPHASIS_UNDERSCORE = re.compile(r"_(?<=" + _TOKEN_CHAR + r"_)(?:_*+[*~`]|_)[*~`_]*+(?=[A-Za-z0-9_\-])")
_TAG_NAMES = r"(?:b|i|u|s|em|strong|code|del|ins|mark|span|sub|sup|kbd|tt|wbr|small|big|font)"
_INLINE_TAGS = re.compile(
    r"<(?<=[A-Za-z0-9_\-]<)/?" + _TAG_NAMES + r"[ \t]*+/?>(?:</?" + _TAG_NAMES + r"[ \t]*+/?>)*+"
    r"(?=[A-Za-z0-9_\-])"
)


def _keep_odd_underscore(m: re.Match[str]) -> str:
    """``hf_**x`` and ``hf___x__`` were ``hf_x``: markers go, a pair of underscores is emphasis."""
    return "_" * (m.group().count("_") % 2)


def _normalised_view(text: str) -> _View | None:
    """The view the rules read, or None when the text holds no disguise (the usual case)."""
    steps: list[_Step] = []
    view = text
    if "&" in view:
        for _ in range(3):  # &amp;#95; is &#95; is _
            before = len(steps)
            view = _apply(view, steps, _ENTITY, _decode_entity)
            if len(steps) == before or "&" not in view:
                break
    view = _apply(view, steps, _HIDDEN, _drop_hidden)  # first: ａ\u200b＝ is one full-width run
    view = _apply(view, steps, _FULLWIDTH, lambda m: m.group().translate(_FOLD))
    if "\\" in view:
        view = _apply(view, steps, _BACKSLASH, lambda m: m.group(1))
    view = _apply(view, steps, _EMPHASIS_STAR, _keep_odd_underscore)
    view = _apply(view, steps, _EMPHASIS_UNDERSCORE, _keep_odd_underscore)
    if "<" in view:
        view = _apply(view, steps, _INLINE_TAGS, lambda m: "")
    return _View(view, tuple(steps)) if steps else None


def normalised(text: str) -> str:
    """The normalised view of ``text`` (itself when it holds no disguise); for tests and tools."""
    view = _normalised_view(text)
    return text if view is None else view.text


# ---------------------------------------------------------------------------------------------
# Rules

Locate = Callable[[str, re.Match[str]], "tuple[int, int] | None"]


@dataclass(frozen=True, slots=True)
class _Rule:
    """One kind of secret. ``pattern`` starts with its ``anchor`` (a literal, so the engine
    skips straight to candidates); ``locate`` returns the span to replace, or None when the
    match is a placeholder or prose. Token rules also have ``name_pattern``: the same without
    the left boundary, for file names, where ``notes-`` or ``x_`` may precede a token."""

    kind: str
    anchor: str
    pattern: re.Pattern[str]
    locate: Locate
    name_pattern: re.Pattern[str] | None = None
    # For rules whose anchor is a word in any ASCII case: the same words in lower case, found
    # in ``text.lower()`` with the engine's fast literal scan (an ``[aA][pP]…`` class scan is
    # ten times slower); the pattern is then tried at each of those places.
    lower_anchor: re.Pattern[str] | None = None


def _ci(word: str) -> str:
    """A literal in any ASCII case, as explicit classes (a space: an optional separator).

    Not ``(?i)``: that loses the engine's fast scan for the first character, and folds ſ, K
    and İ into ASCII letters."""
    out = []
    for c in word:
        if c.isascii() and c.isalpha():
            out.append(f"[{c.lower()}{c.upper()}]")
        elif c == " ":
            out.append(r"[ _.\-]?")
        else:
            out.append(re.escape(c))
    return "".join(out)


def _lower_anchor(words: tuple[str, ...]) -> re.Pattern[str]:
    """The literal all ``words`` start with, to find in lowered text: one literal keeps the
    engine's fast scan (an alternation of words loses it)."""
    first = words[0].split(" ")[0]
    common = next(
        (first[:n] for n in range(len(first), 0, -1) if all(w.startswith(first[:n]) for w in words)), ""
    )
    if not common:
        raise ValueError(f"no common prefix: {words}")
    return re.compile(re.escape(common))


def _span(n: int) -> Locate:
    def locate(text: str, m: re.Match[str]) -> tuple[int, int] | None:
        return m.span(n)

    return locate


_RUN = r"A-Za-z0-9_\-"  # a token continues through these


def _token(kind: str, prefix: str, body: str, *, width: int = 0, boundary: str = _RUN) -> _Rule:
    """A provider token: ``prefix`` (regex source starting with a literal, ``width`` characters
    long: its length unless given), then ``body``; not inside a longer token: no ``boundary``
    character before it (checked right after the prefix, so the prefix stays the engine's
    literal) and no letter or digit after it (``hf_…-v2``: the token ends at the ``-``)."""
    width = width or len(prefix)
    anchor = prefix
    right = "(?![A-Za-z0-9])"  # runs are maximal; a fixed-length body must not be a longer word's start
    return _Rule(
        kind,
        anchor,
        re.compile(f"(?:{anchor})(?<![{boundary}].{{{width}}})(?:{body}){right}"),
        _span(0),
        re.compile(f"(?:{anchor})(?:{body}){right}"),
    )


# --- placeholders and prose ---------------------------------------------------------------

_PLACEHOLDER_LEAD = re.compile(
    r"(?i)(?:your|my(?![a-z]{3})|example|sample|placeholder|dummy|insert|enter|replace|paste|fill|todo|"
    r"tbd|fixme|redacted|choose|not[-_ ]|no[-_ ]|unused|ignored|anything|whatever)"
)
_LITERALS = frozenset(
    (
        *("none", "null", "nil", "true", "false", "undefined", "required", "optional", "empty", "hidden"),
        *("str", "string", "bytes", "int", "bool", "boolean", "secretstr", "object", "any", "text"),
        *("env", "environ", "getenv", "secret", "password", "token", "key"),
    )
)
_CREDENTIAL_WORD = re.compile(r"(?i)pass|pwd|secret|token|key|cred|auth")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*+(?:\.[A-Za-z_][A-Za-z0-9_\-]*+)*+")
_CJK_OR_WIDE = re.compile(f"[{WIDE}]")
_MARKER = re.compile(r"\[REDACTED:[a-z_]+\]")
_PROSE_NEXT = re.compile(r"[ \t]{1,8}+[A-Za-z]")


def is_placeholder(value: str) -> bool:
    """An example or a reference, not a credential (the rule is in the module docstring)."""
    v = value.strip(".,:!?")
    if not v or v[0] in "<$%{[!@*&#/\\" or v.startswith(("./", "~/", "..")) or "://" in v:
        return True
    low = v.lower()
    if len(set(low)) == 1 or any(x in low for x in ("xxx", "***", "...", "\u2026")):
        return True
    if _PLACEHOLDER_LEAD.match(v) or low.endswith("here") or low in _LITERALS:
        return True
    if _IDENTIFIER.fullmatch(v) and not any(c.isdigit() for c in v):
        return "." in v or _CREDENTIAL_WORD.search(v) is not None
    return False


def _strip_emphasis(text: str, s: int, e: int) -> tuple[int, int]:
    """``**abc123**`` holds ``abc123``."""
    while e - s > 2 and text[s] in "*_~" and text[e - 1] == text[s]:
        s, e = s + 1, e - 1
    return s, e


def _random_enough(value: str) -> bool:
    """A key or token value is machine-made: ASCII with a digit, both letter cases or a base64
    symbol; ``foundry-local-prod`` and ``not-needed`` are names people typed."""
    if not value.isascii():
        return False
    mixed = any(c.isupper() for c in value) and any(c.islower() for c in value)
    return mixed or any(c.isdigit() or c in "+/=" for c in value)


def _labelled(min_len: int, spaces_in_quotes: bool, *, random: bool) -> Locate:
    """The value after a label, unless the module docstring's rule calls it prose or a placeholder."""

    def locate(text: str, m: re.Match[str]) -> tuple[int, int] | None:
        name = m.lastgroup
        if name is None:
            return None
        s, e = m.span(name)
        quoted = name != "raw"
        if not quoted:
            s, e = _strip_emphasis(text, s, e)
        value = text[s:e]
        if _CJK_OR_WIDE.search(value) or "\t" in value or (" " in value and not spaces_in_quotes):
            return None
        if len(value.strip(".,:!?")) < min_len or is_placeholder(value):
            return None
        if random and not _random_enough(value):
            return None
        if not quoted:
            nxt = text[m.end() : m.end() + 1]
            if nxt in ("(", "["):
                return None  # a call or a lookup: code, not a literal
            if (
                nxt in (",", ")", ";")
                and not any(c.isdigit() for c in value)
                and _IDENTIFIER.fullmatch(value)
            ):
                return None  # a variable passed or assigned in code
            if value.isascii() and value.isalpha() and _PROSE_NEXT.match(text, m.end()):
                return None  # a word of a sentence: "Password: choose a strong one"
        return s, e

    return locate


def _checked(n: int, ok: Callable[[str], bool]) -> Locate:
    def locate(text: str, m: re.Match[str]) -> tuple[int, int] | None:
        value = m.group(n)
        return m.span(n) if not _MARKER.fullmatch(value) and ok(value) else None

    return locate


def _bearer_ok(value: str) -> bool:
    """A token has a digit, or is long and mixed-case; ``Bearer authentication`` is prose."""
    if is_placeholder(value):
        return False
    mixed = any(c.isupper() for c in value) and any(c.islower() for c in value)
    return any(c.isdigit() for c in value) or (len(value) >= 20 and mixed)


def _basic_ok(value: str) -> bool:
    """Basic credentials decode to ``user:password``."""
    try:
        return b":" in base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False


_URL_PLACEHOLDERS = frozenset({"password", "passwd", "pass", "pwd", "secret", "token", "pw", "pat"})


def _url_password_ok(value: str) -> bool:
    v = value.lower()
    if not v or v in _URL_PLACEHOLDERS or v[0] in "<${[%*" or len(set(v)) == 1 or "xxx" in v:
        return False
    return _PLACEHOLDER_LEAD.match(v) is None


def _odbc(text: str, m: re.Match[str]) -> tuple[int, int] | None:
    """``Password=…;`` of a connection string: after ``;``, a quote or a line start; a value
    with spaces only after ``;``."""
    i = m.start() - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    before = text[i] if i >= 0 else "\n"
    if before not in ";\"'\n":
        return None
    name = "braced" if m.group("braced") is not None else "plain"
    s, e = m.span(name)
    while e > s and text[e - 1] in " \t":
        e -= 1
    value = text[s:e]
    if not value or _MARKER.fullmatch(value):
        return None
    if name == "plain" and (is_placeholder(value) or (" " in value and before != ";")):
        return None
    return s, e


def _key_ok(value: str) -> bool:
    return not is_placeholder(value) and len(set(value)) > 4


_SP = "[ \\t\u3000]"
# after a label: digits, a closing quote/bracket/emphasis, spaces, the separator, spaces
_LABEL_TAIL = "[0-9]{0,3}+[\"'`*_~\\]]{0,4}+" + _SP + "{0,8}+(?::=|[:=：＝])(?![:=])" + _SP + "{0,8}+"
_VALUE_CLASS = "[^\\s\"'`,;<>()\\[\\]{}" + WIDE + "]"
_LABEL_VALUE = (
    "(?:\"(?P<dq>[^\"\\n]{1,512}+)\"|'(?P<sq>[^'\\n]{1,512}+)'|`(?P<bq>[^`\\n]{1,512}+)`"
    "|[\"'`]?(?P<raw>" + _VALUE_CLASS + "++))"
)
# A Latin label follows a non-letter or starts a camelCase part (dbPassword), checked right
# after its first character: "tokens:" and "mypassword=" are not labels, "DB_PASSWORD=" is.
_LATIN_LEFT = "(?:(?<![A-Za-z].)|(?<=[a-z0-9][A-Z]))"


def _label_rule(kind: str, words: tuple[str, ...], min_len: int, *, spaces_in_quotes: bool) -> _Rule:
    """Values after any of ``words`` (same first character, to keep the engine's fast scan)."""
    latin = words[0].isascii()
    if latin:
        alts = [_ci(w[0]) + _LATIN_LEFT + _ci(w[1:]) for w in words]
        anchor = "|".join(_ci(w) for w in words)
    else:
        alts = [re.escape(w) for w in words]
        anchor = "|".join(alts)
    pattern = re.compile("(?:" + "|".join(alts) + ")" + _LABEL_TAIL + _LABEL_VALUE)
    lower = _lower_anchor(words)
    locate = _labelled(min_len, spaces_in_quotes, random=kind != "password")
    return _Rule(kind, anchor, pattern, locate, None, lower)


def _rule(kind: str, anchor: str, rest: str, locate: Locate) -> _Rule:
    """A rule whose anchor is case-sensitive regex source."""
    return _Rule(kind, anchor, re.compile(f"(?:{anchor}){rest}"), locate)


def _word_rule(kind: str, words: tuple[str, ...], rest: str, locate: Locate) -> _Rule:
    """A rule anchored on ``words`` in any ASCII case."""
    anchor = "|".join(_ci(w) for w in words)
    return _Rule(kind, anchor, re.compile(f"(?:{anchor}){rest}"), locate, None, _lower_anchor(words))


_B64 = "[A-Za-z0-9+/]"
_AZURE_KEY = f"({_B64}{{20,}}+={{0,2}})"
# after "secret" (6 characters): "aws" before it, then "[access] key", a separator, 40 base64
_AWS_SECRET = (
    "(?:(?<=[aA][wW][sS].{6})|(?<=[aA][wW][sS][ _.\\-].{6}))"
    f"(?:{_ci(' access')})?{_ci(' key')}{_LABEL_TAIL}[\"']?({_B64}{{40}})(?![A-Za-z0-9/+=])"
)
# after "password" or "pwd" in a connection string: =, then a braced or plain value up to ";"
_ODBC_VALUE = (
    f"{_SP}{{0,4}}+={_SP}{{0,4}}+"
    "(?:\\{(?P<braced>[^}\\n]{1,512}+)\\}|(?P<plain>[^;\\n\"'{}]{1,512}+))(?=;)"
)

# Order is priority: a later rule's match that overlaps an earlier one's is dropped.
RULES: tuple[_Rule, ...] = (
    _rule(
        "private_key",
        "-----BEGIN ",
        r"(?:(?!PRIVATE )[A-Z0-9]++ )*+PRIVATE KEY(?: BLOCK)?-----"
        r"(?:[\s\S]*?-----END (?:(?!PRIVATE )[A-Z0-9]++ )*+PRIVATE KEY(?: BLOCK)?-----|[\s\S]*+)",
        _span(0),
    ),
    _token("jwt", "eyJ", r"[A-Za-z0-9_\-]{5,}+\.eyJ[A-Za-z0-9_\-]{8,}+\.[A-Za-z0-9_\-]{8,}+"),
    _token("huggingface_token", "hf_", "[A-Za-z0-9]{30,}+"),
    _token("huggingface_token", "api_org_", "[A-Za-z0-9]{30,}+"),
    _token("openai_key", "sk-", r"(?:proj-|svcacct-|admin-|ant-[a-z0-9]++-)?[A-Za-z0-9_\-]{20,}+"),
    _token("github_token", "gh[pousr]_", "[A-Za-z0-9]{36,}+", width=4),
    _token("github_token", "github_pat_", "[A-Za-z0-9_]{22,}+"),
    _token("gitlab_token", "glpat-", r"[A-Za-z0-9_\-]{20,}+"),
    _token("aws_access_key", "A[KS]IA", "[0-9A-Z]{16}", width=4),
    _token("slack_token", "xox[abposr]-", r"[A-Za-z0-9\-]{10,}+", width=5),
    _token("google_api_key", "AIza", r"[0-9A-Za-z_\-]{35}"),
    _token("google_oauth_token", r"ya29\.", r"[A-Za-z0-9_\-]{20,}+", width=5),
    _token("stripe_key", "sk_(?:live|test)_", "[A-Za-z0-9]{10,}+", width=8, boundary="A-Za-z0-9"),
    _token("stripe_key", "rk_(?:live|test)_", "[A-Za-z0-9]{10,}+", width=8, boundary="A-Za-z0-9"),
    _token("stripe_key", "whsec_", "[A-Za-z0-9]{24,}+", boundary="A-Za-z0-9"),
    _token("npm_token", "npm_", "[A-Za-z0-9]{36}"),
    _token("pypi_token", "pypi-", r"AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{40,}+"),
    _token("sendgrid_key", r"SG\.", r"[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}", width=3),
    _token("groq_key", "gsk_", "[A-Za-z0-9]{40,}+", boundary="A-Za-z0-9"),
    _token("replicate_token", "r8_", "[A-Za-z0-9]{30,}+", boundary="A-Za-z0-9"),
    _rule(
        "slack_webhook",
        re.escape("hooks.slack.com/"),
        r"(?:services|workflows|triggers)/([A-Za-z0-9_/\-]{16,}+)",
        _span(1),
    ),
    # user:password@host; the password runs to the last @ of the authority (backtracking from
    # the authority's end, once per "://": linear).
    _rule(
        "url_password",
        "://",
        r"(?<=[A-Za-z0-9+.\-]://)[^\s/?#:\"'`<>]*+:"
        r"([^\s/?#\"'`<>" + WIDE + r"]*)@(?=[A-Za-z0-9\[])",
        _checked(1, _url_password_ok),
    ),
    _word_rule("azure_key", ("accountkey=",), _AZURE_KEY, _checked(1, _key_ok)),
    _word_rule("azure_key", ("sharedaccesskey=",), _AZURE_KEY, _checked(1, _key_ok)),
    _word_rule(
        "azure_sas",
        ("sharedaccesssignature=",),
        "([^;\\s\"'<>]{8,}+)",
        _checked(1, lambda v: not is_placeholder(v)),
    ),
    _rule(
        "azure_sas",
        "[?&]sig=",
        "([A-Za-z0-9%+/=]{16,}+)",
        _checked(1, lambda v: any(c.isdigit() or c in "%+/" for c in v) and not is_placeholder(v)),
    ),
    _word_rule(
        "basic_auth",
        ("authorization",),
        f"[\"']?{_SP}*+[:=]{_SP}*+[\"']?{_ci('basic')}{_SP}++({_B64}{{8,}}+={{0,2}})",
        _checked(1, _basic_ok),
    ),
    _word_rule(
        "bearer_token",
        ("bearer",),
        f"(?<![A-Za-z].{{6}}){_SP}++([A-Za-z0-9\\-._~+/]{{8,}}+=*+)",
        _checked(1, _bearer_ok),
    ),
    _word_rule("aws_secret_key", ("secret",), _AWS_SECRET, _span(1)),
    _word_rule("password", ("password",), _ODBC_VALUE, _odbc),
    _word_rule("password", ("pwd",), _ODBC_VALUE, _odbc),
    _label_rule("password", ("password", "passwd", "passphrase"), 4, spaces_in_quotes=True),
    _label_rule("password", ("pwd",), 4, spaces_in_quotes=True),
    _label_rule("password", ("密碼", "密码"), 4, spaces_in_quotes=True),
    _label_rule("password", ("口令",), 4, spaces_in_quotes=True),
    _label_rule("assigned_secret", ("secret access key", "secret key", "secret"), 8, spaces_in_quotes=False),
    _label_rule("assigned_secret", ("token",), 8, spaces_in_quotes=False),
    _label_rule("assigned_secret", ("api key", "apikey"), 8, spaces_in_quotes=False),
    _label_rule("assigned_secret", ("access key id", "access key"), 8, spaces_in_quotes=False),
    _label_rule("assigned_secret", ("private key",), 8, spaces_in_quotes=False),
    _label_rule("assigned_secret", ("密鑰", "密钥"), 8, spaces_in_quotes=False),
    _label_rule("assigned_secret", ("金鑰", "金钥"), 8, spaces_in_quotes=False),
    _label_rule("assigned_secret", ("權杖",), 8, spaces_in_quotes=False),
    _label_rule("assigned_secret", ("令牌",), 8, spaces_in_quotes=False),
)
_NAME_RULES = tuple(r for r in RULES if r.name_pattern is not None)

# Does a text hold any rule's anchor? A yes/no screen for callers that need no spans
# (redact itself just runs the rules, which costs the same): ``_TRIGGER`` is the union of the
# anchors as one regex, ``_may_hold_secret`` asks each anchor in turn and answers the same.
_ANCHORS = tuple(re.compile(r.anchor) for r in RULES)
_TRIGGER = re.compile("|".join(f"(?:{r.anchor})" for r in RULES))


def _may_hold_secret(text: str) -> bool:
    """Exactly ``_TRIGGER.search(text) is not None``: could any rule match?"""
    return any(a.search(text) for a in _ANCHORS)


# ---------------------------------------------------------------------------------------------
# Finding and replacing


def _find(scan: str, rules: tuple[_Rule, ...], names: bool) -> list[tuple[int, int, str]]:
    """Non-overlapping spans, earlier rules first; sorted by start."""
    starts: list[int] = []
    ends: list[int] = []
    kinds: list[str] = []
    lowered: str | None = None
    for rule in rules:
        matches: Iterator[re.Match[str]]
        if rule.lower_anchor is not None and lowered is None:
            lowered = scan.lower()
            if len(lowered) != len(scan):  # İ lowers to two characters: offsets would drift
                lowered = ""
        if rule.lower_anchor is not None and lowered:
            matches = _matches_at(rule.pattern, scan, rule.lower_anchor, lowered)
        else:
            pattern = rule.name_pattern if names and rule.name_pattern is not None else rule.pattern
            matches = pattern.finditer(scan)
        for m in matches:
            span = rule.locate(scan, m)
            if span is None:
                continue
            s, e = span
            if s >= e or _MARKER.fullmatch(scan, s, e):
                continue
            i = bisect.bisect_right(starts, s)
            if (i > 0 and ends[i - 1] > s) or (i < len(starts) and starts[i] < e):
                continue
            starts.insert(i, s)
            ends.insert(i, e)
            kinds.insert(i, rule.kind)
    return list(zip(starts, ends, kinds, strict=True))


def _matches_at(
    pattern: re.Pattern[str], scan: str, anchor: re.Pattern[str], lowered: str
) -> Iterator[re.Match[str]]:
    """What ``pattern.finditer(scan)`` yields, trying the pattern only where ``anchor`` occurs
    in the lowered text (every match of the pattern starts with the anchor)."""
    done = 0
    for a in anchor.finditer(lowered):
        at = a.start()
        if at < done:
            continue
        m = pattern.match(scan, at)
        if m is not None:
            done = m.end()
            yield m


def _locate_all(text: str, rules: tuple[_Rule, ...], names: bool) -> list[tuple[int, int, str]]:
    """Spans in ``text`` itself: found on the normalised view, mapped back and merged."""
    view = _normalised_view(text)
    if view is None:
        return _find(text, rules, names)
    merged: list[tuple[int, int, str]] = []
    for s, e, kind in _find(view.text, rules, names):
        os_, oe = view.original(s, e)
        if merged and os_ < merged[-1][1]:
            ps, pe, pk = merged[-1]
            merged[-1] = (ps, max(pe, oe), pk)
        else:
            merged.append((os_, oe, kind))
    return merged


def _replace(
    text: str, spans: list[tuple[int, int, str]], line_of: Callable[[int], int]
) -> tuple[str, tuple[Redaction, ...]]:
    out: list[str] = []
    found: list[Redaction] = []
    pos = 0
    for start, end, kind in spans:
        out.append(text[pos:start])
        out.append(f"[REDACTED:{kind}]")
        found.append(Redaction(kind=kind, line=line_of(start)))
        pos = end
    out.append(text[pos:])
    return "".join(out), tuple(found)


@timed("redact.redact")
def redact(text: str) -> tuple[str, tuple[Redaction, ...]]:
    """Return ``text`` with every secret replaced, and where each one was (1-based line numbers).

    Text without a secret comes back as the same string."""
    spans = _locate_all(text, RULES, names=False)
    if not spans:
        return text, ()
    lines: list[int] = []
    pos = 0
    line = 1
    for start, _, _ in spans:
        line += text.count("\n", pos, start)
        lines.append(line)
        pos = start
    by_start = dict(zip((s for s, _, _ in spans), lines, strict=True))
    out, found = _replace(text, spans, by_start.__getitem__)
    log.debug("redacted %d secrets", len(found))
    return out, found


def redact_name(name: str) -> tuple[str, tuple[Redaction, ...]]:
    """Return a file name or path with provider tokens replaced, component by component
    (``notes-sk_live_….md`` → ``notes-[REDACTED:stripe_key].md``, ``ghp_…/readme.md`` →
    ``[REDACTED:github_token]/readme.md``); the separators and other components stay.

    Only the token rules apply (a name holds no ``password:`` lines), without their left
    boundary, since names join words with ``-`` and ``_``. Each :class:`Redaction` has
    ``line=0``: it was in the name, not in the text."""
    parts = re.split(r"([/\\])", name)
    found: list[Redaction] = []
    for i in range(0, len(parts), 2):
        part = parts[i]
        if not part:
            continue
        # a long component is read with the left-boundary patterns, which stay linear
        spans = _locate_all(part, _NAME_RULES, names=len(part) <= 1024)
        if spans:
            parts[i], here = _replace(part, spans, lambda _: 0)
            found.extend(here)
    if not found:
        return name, ()
    return "".join(parts), tuple(found)
