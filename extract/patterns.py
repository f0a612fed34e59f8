"""Patterns for names the lexicon does not know.

Chinese technical writing embeds product and model names in Latin script
(``GPT-4o``, ``llama3.1:70b-instruct-fp16``, ``BAAI/bge-large-zh-v1.5``), so most
unknown names can be found by their shape. Chinese technical noun phrases and
person names need cues (a head noun such as …模型/…學習, or 「講者：」) because
Chinese has no spaces to mark where a name starts.

Every function here is pure: text in, :class:`PatternHit` list out (offsets in
the given text). The extractor decides which hits survive and how they are typed.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import NamedTuple

from extract.commonwords import ACRONYM_EN, COMMON_EN, EDGE_EN, RARE_EN, is_common_en, zipf_en
from extract.normalize import HAN, HAN_RE
from extract.records import EntityType

_HAN_RE = HAN_RE


class PatternHit(NamedTuple):
    """One name a pattern found (a tuple: documents yield them by the hundred, and tuples are cheap)."""

    start: int
    end: int
    type: EntityType
    pattern: str  # which pattern family found it
    confidence: float
    key_text: str = ""  # text to build the matching key from when it differs from the surface


# --- regions that never hold names ----------------------------------------------------------------

# Every Latin-script regex below starts with a character class and checks its left context
# with a lookbehind placed after that first character: the regex engine then skips ahead to
# candidate characters instead of trying (and failing) a lookbehind at every position of a
# mostly-Chinese text. URLs, e-mail addresses and paths are looked for around their anchors
# ("://", "www.", "@", a file extension) for the same reason.
_URL = re.compile(r"(?:https?://|ftp://|www\.)[^\s<>\"'）)」]+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_EMAIL_LOCAL = re.compile(r"[\w.+-]+$")
_PATHLIKE = re.compile(
    r"(?<![\w])(?:\.{0,2}/)?(?:[\w.-]++/)+[\w.-]+\.(?:py|md|txt|json|ya?ml|toml|html?|js|ts|sh|cfg|ini|env|git|gguf|bin|safetensors|csv|pdf)\b"
)
_PATH_EXT = re.compile(
    r"\.(?:py|md|txt|json|ya?ml|toml|html?|js|ts|sh|cfg|ini|env|git|gguf|bin|safetensors|csv|pdf)\b"
)
# What makes a line without Chinese code rather than an English label or heading: assignment, braces,
# semicolons, angle brackets, a call (``from_pretrained(x)``, ``f()``) or a shell command. A
# parenthesis after a space is prose (``macOS (Homebrew):``, ``Phi-4 (14B)``), not code.
_CODE_CHARS = re.compile(
    r"[={};<>]|[\w.\]]\(|\(\)|^\s*(?:import|from|def|class|return|\$|#!|cd|pip|git|docker|curl|ollama|python|vllm|export)\b"
)
_NO_HAN_LINE = re.compile(f"^[^\\n{HAN}]+$", re.M)


def _emails(text: str) -> list[tuple[int, int]]:
    """E-mail addresses, found from their "@" (same spans as scanning the text for the full regex)."""
    out: list[tuple[int, int]] = []
    at = text.find("@")
    while at >= 0:
        local = _EMAIL_LOCAL.search(text, max(0, at - 256), at)
        if local is not None and (not out or local.start() >= out[-1][1]):
            m = _EMAIL.match(text, local.start())
            if m is not None:
                out.append(m.span())
        at = text.find("@", at + 1)
    return out


def _paths(text: str) -> list[tuple[int, int]]:
    """File paths: the path regex runs only on lines holding a "/" and a known file extension."""
    spans: list[tuple[int, int]] = []
    done = -1
    for m in _PATH_EXT.finditer(text):
        if m.start() < done:
            continue
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        done = end
        if text.find("/", start, end) >= 0:
            spans += [p.span() for p in _PATHLIKE.finditer(text, start, end)]
    return spans


def masked_spans(text: str, code: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """URLs, e-mail addresses, file paths, code blocks and code-looking lines: no entity starts in these."""
    spans = [m.span() for m in _URL.finditer(text)]
    spans += code
    if "@" in text:
        spans += _emails(text)
    spans += _paths(text)
    for m in _NO_HAN_LINE.finditer(text):  # code lines are lines without Chinese
        if _CODE_CHARS.search(m.group()):
            spans.append(m.span())
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:  # overlapping spans (a URL on a code line) become one
        if merged and start < merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def in_spans(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps any span (spans sorted by start, not overlapping each other)."""
    if not spans:
        return False
    i = bisect.bisect_right(spans, (start, 1 << 62)) - 1
    if i >= 0 and spans[i][0] < end and start < spans[i][1]:
        return True
    return i + 1 < len(spans) and spans[i + 1][0] < end and start < spans[i + 1][1]


# --- Latin-script names -----------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z](?<![A-Za-z0-9_.\-/:@+][A-Za-z])[A-Za-z0-9]*(?:[.\-_:/][A-Za-z0-9]+)*\+?")
_OLLAMA = re.compile(r"^[a-z][a-z0-9.\-]*:[A-Za-z0-9][A-Za-z0-9._\-]*$")
_HF_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*/[A-Za-z0-9][A-Za-z0-9._\-]*$")
_SIZE = re.compile(r"^\d+(?:\.\d+)?[BMKTbmkt]$")
_QUANT = re.compile(r"^(?:[Qq]\d(?:_[A-Za-z0-9]+)*|[Ii][Qq]\d.*|[xX]\d+|v\d[\w.]*|\d.*)$")
_UNIT = re.compile(r"^\d*(?:[KMGT]i?B|GHz|MHz|ms|tokens?|fps|bit|bits|px|[KMGT]B/s)$", re.I)
# A dotted package or namespace name whose every part is capitalised (``Microsoft.Extensions.AI``,
# ``Azure.AI.OpenAI``): how .NET and Java packages are named. Code (``torch.nn``,
# ``Trainer.train``) has lower-case parts.
_NAMESPACE = re.compile(r"^[A-Z][A-Za-z0-9]+(?:\.[A-Z][A-Za-z0-9]+)+$")
_CAMEL = re.compile(r"[a-z][A-Z]|[A-Z]{2,}[a-z]{2,}|^[a-z]+[A-Z]")
# "Name 3.1", "Name 3.1 405B" or "Name 7B": a version or a size is required.
_NAME_VERSION = re.compile(
    r"[A-Z](?<![A-Za-z0-9_.\-/][A-Z])[A-Za-z]+(?:\d+(?:\.\d+)*)?"
    r"(?: \d+(?:\.\d+)*[a-z]?(?: \d+(?:\.\d+)?[BMT])?| \d+(?:\.\d+)?[BMT])"
    r"(?![A-Za-z0-9_])(?![.\-][A-Za-z0-9])"
)
_HEAD = re.compile(r"[A-Za-z]+(?:\d+(?:\.\d+)*)?")
HARDWARE_PREFIX = re.compile(r"^(?:RTX|GTX|Tesla|Jetson|Radeon|Instinct|Gaudi|Quadro|GeForce|DGX|HGX|Orin)\b")

# Common English words that show up capitalised in Chinese text without being names.
ENGLISH_STOP = frozenset(
    """
    a an and are as at be by can do for from has have how if in is it its new no not of on one
    or our so that the their then this to top up use was we what when where which who why will
    with you your yes all any but each more most only other some such than very via vs step
    steps note tip tips todo faq q a demo example examples test tests run data model models
    tool tools code word words text input output file files page pages user users system
    systems answer question query result results summary intro introduction part section
    chapter table figure image images video link links home about contact menu search login
    logout next prev previous back more read share like comment comments tag tags title date
    author update updated today ok hello hi good bad best fast slow big small large open close
    start end done true false none null default config settings version release plan review
    write retrieve first second third last pro plus max mini ultra lite free public private
    beta alpha
    """.split()  # noqa: SIM905
)


# A token ending in one of these is a file name (``setup.sh``, ``CH20.md``), not a name; ``.cpp``,
# ``.js`` and ``.NET`` are left out on purpose: ``llama.cpp``, ``Node.js`` and ``ASP.NET`` are names.
_FILE_EXT = re.compile(
    r"\.(?:mdx?|markdown|sh|bash|bat|cmd|ps1|exe|msi|dll|so|dylib|py|pyc|ipynb|json|jsonl|ya?ml|toml|txt"
    r"|csv|tsv|cs|csproj|sln|fs|ts|tsx|jsx|html?|css|zip|tar|gz|tgz|whl|onnx|gguf|bin|safetensors|pt|pth"
    r"|ckpt|h5|pkl|log|cfg|ini|env|xml|png|jpe?g|gif|svg|webp|pdf|docx?|pptx?|xlsx?|wav|mp3|mp4|lock)$",
    re.I,
)
# Letters then digits, with an everyday word as the letters (``Day1``, ``part1``, ``Session02``).
_WORD_NUMBER = re.compile(r"^([A-Za-z]+)[-_ ]?\d+$")
# Platform, encoding and architecture tags: shapes of model names, never entities.
_TECH_TAGS = frozenset(
    """
    x86 x64 x86-64 x86_64 amd64 arm64 aarch64 win32 win64 utf8 utf-8 utf16 base64 sha1 sha256 md5
    ipv4 ipv6 h264 h265 mp3 mp4 mp4a 1080p 720p 4k 8k
    """.split()  # noqa: SIM905
)


_SIZE_TAIL = re.compile(r"\d+(?:\.\d+)?[BMK]$")
# Identifiers of code: ``chatDeploymentName`` (camelCase with two humps or more), methods
# (``CreateSessionAsync``, ``ProcessStreamingRequest``: a verb and two more words), slugs
# (``GenAI-DotNet-Course-Token``: three hyphens and no version).
_CAMEL_VAR = re.compile(r"^[a-z]{2,}(?:[A-Z][a-z0-9]+){2,}$")
_METHOD = re.compile(
    r"^(?:Get|Set|Create|Add|Remove|Delete|Update|Load|Save|Run|Build|Handle|Process|Send|Make|Init|Initialize"
    r"|Read|Write|Parse|Convert|Generate|Start|Stop|Open|Close|Find|Fetch|Register|Configure|Invoke|Call"
    r"|Execute|Validate|Check|Try|On)(?:[A-Z][a-z0-9]+){2,}$|^[A-Z][A-Za-z0-9]+Async$"
)


def is_code_token(tok: str) -> bool:
    """File names, identifiers (underscores, camelCase, method names, slugs) and platform tags."""
    low = tok.casefold()
    if low in _TECH_TAGS or _FILE_EXT.search(tok):
        return True
    if "_" in tok.strip("_") and not _OLLAMA.match(tok):
        return True
    if _CAMEL_VAR.match(tok) or _METHOD.match(tok):
        return True
    if tok.count("-") >= 3 and not any(c.isdigit() for c in tok):
        return True
    m = _WORD_NUMBER.match(tok)
    return m is not None and not _SIZE_TAIL.search(tok) and is_common_en(m.group(1), EDGE_EN)


@lru_cache(maxsize=100_000)
def _latin_kind(tok: str) -> tuple[EntityType, str, float] | None:
    """Shape-based type and pattern name of one Latin token, or None when it is not a name.

    Cached: the same few thousand tokens make up most of a corpus.
    """
    if is_code_token(tok):
        return None
    if tok.isalpha():  # plain words: only hardware prefixes and CamelCase are names
        if len(tok) < 2:
            return None
        if HARDWARE_PREFIX.match(tok):
            return None if _UNIT.match(tok) else (EntityType.HARDWARE, "hardware", 0.7)
        if _CAMEL.search(tok) and not _UNIT.match(tok):
            return EntityType.TOOL, "camelcase", 0.6
        return None
    if _SIZE.match(tok) or _QUANT.match(tok) or _UNIT.match(tok):
        return None
    if _OLLAMA.match(tok):
        return EntityType.MODEL, "ollama-tag", 0.9
    if "/" in tok:
        if _HF_ID.match(tok):
            right = tok.split("/", 1)[1]
            if re.search(r"\d|-", right) and len(right) >= 3:
                return EntityType.MODEL, "hf-id", 0.85
        return None
    if ":" in tok:
        return None
    has_digit = any(c.isdigit() for c in tok)
    letters = sum(c.isalpha() for c in tok)
    if letters < 2:
        return None
    if HARDWARE_PREFIX.match(tok):
        return EntityType.HARDWARE, "hardware", 0.7
    if _NAMESPACE.match(tok):
        return EntityType.TOOL, "namespace", 0.6
    if has_digit:
        return EntityType.MODEL, "versioned", 0.6
    if _CAMEL.search(tok):
        return EntityType.TOOL, "camelcase", 0.6
    return None


def find_latin_names(text: str) -> list[PatternHit]:
    """Latin product/model names: Ollama tags, HF ids, versioned names, CamelCase, ``Name 3.1 405B``."""
    hits: list[PatternHit] = []
    kind_of = _latin_kind
    for m in _TOKEN.finditer(text):
        tok = m.group()
        kind = kind_of(tok)
        if kind is None:
            continue
        etype, name, conf = kind
        key_text = tok.split("/", 1)[1] if name == "hf-id" else ""
        hits.append(PatternHit(m.start(), m.end(), etype, name, conf, key_text))
    for m in _NAME_VERSION.finditer(text):
        head = _HEAD.match(text, m.start())
        if head is None or head.group().lower() in ENGLISH_STOP:
            continue
        surface = m.group()
        version = surface[head.end() - m.start() :].split()
        if not _model_version(head.group(), version):
            continue
        etype = EntityType.HARDWARE if HARDWARE_PREFIX.match(surface) else EntityType.MODEL
        hits.append(PatternHit(m.start(), m.end(), etype, "name-version", 0.7))
    return hits


_YEAR = re.compile(r"^(?:19|20)\d\d$")


def _model_version(head: str, version: list[str]) -> bool:
    """Whether ``head`` followed by ``version`` reads as a versioned name (``Llama 3.1``, ``Gemma 3``).

    Not: an everyday word with a number (``Session 02``, ``Tier 1``, ``Posterior 0.8``), a year
    (``CVPR 2024``), or a fraction below one without a size.
    """
    if not version:
        return False
    first = version[0]
    if _YEAR.match(first) or (first.startswith("0") and len(version) == 1 and not _SIZE.match(first)):
        return False
    if head.isalpha() and zipf_en(head) >= EDGE_EN:
        return False
    return bool(HARDWARE_PREFIX.match(head)) or not (
        first.isdigit() and len(first) >= 3 and len(version) == 1
    )


# --- lists and multi-word names ---------------------------------------------------------------------

# A run of non-space text joined by slashes: ``ONNX/TensorRT/OpenVINO``, ``量化/剪枝``, ``BAAI/bge-m3``.
# Spaces and these end a slash run: ``ONNX/TensorRT/OpenVINO`` is one run, ``（A/B）`` holds one.
_SLASH_PUNCT = "，。、：；（）()「」[]<>|*`'\""
_RUN_ITEM = r"[^\s/" + re.escape(_SLASH_PUNCT) + "]+"
_SLASH_RUN = re.compile(f"{_RUN_ITEM}(?:/{_RUN_ITEM})+")
KnownType = Callable[[str], "EntityType | None"]


def _run_start(text: str, slash: int) -> int:
    """Where the slash run around ``slash`` starts: after the last stop character before it."""
    i = slash
    while i > 0 and slash - i < 256 and not text[i - 1].isspace() and text[i - 1] not in _SLASH_PUNCT:
        i -= 1
    return i


def list_slashes(text: str, known_type: KnownType) -> list[int]:
    """Offsets of the slashes in ``text`` that separate the items of a list (``LoRA/PEFT``).

    A slash joins a Hugging Face id (``org/model-7b``: two parts, the right one with a digit or
    a hyphen, the left one not a known name other than an organisation); every other slash
    between names separates alternatives, and each side is a name of its own.
    """
    out: list[int] = []
    done = -1
    slash = text.find("/")
    while slash >= 0:  # the regex runs only around slashes (most of a text has none)
        if slash < done:
            slash = text.find("/", done)
            continue
        m = _SLASH_RUN.search(text, _run_start(text, slash), slash + 256)
        if m is None or m.start() > slash or m.end() <= slash:  # this slash is in no run
            slash = text.find("/", slash + 1)
            continue
        done = m.end()
        slash = text.find("/", max(done, slash + 1))  # always onwards: a run may end before this slash
        run = m.group()
        parts = run.split("/")
        if len(parts) == 2 and _HF_ID.match(run):
            left, right = parts
            left_type = known_type(left)
            if re.search(r"\d|-", right) and len(right) >= 3 and left_type in (None, EntityType.ORG):
                continue
        pos = m.start()
        for part in parts[:-1]:
            pos += len(part)
            out.append(pos)
            pos += 1
    return out


# Words that end a product name as part of it (``Docker Desktop``, ``Foundry Local``, ``Gemini 2.5 Pro``).
EDITION_WORDS = frozenset(
    """local desktop hub engine pro studio server cloud lite mini max plus ultra edge sdk cli api toolkit
    kit runtime framework kernel flash turbo nano instruct chat code coder vision search agent agents
    service services functions foundry silica models assistant copilot mobile web app apps online
    community enterprise core""".split()  # noqa: SIM905
)
# Words that end an organisation's name.
ORG_WORDS = frozenset(
    "research labs lab inc inc. corporation corp foundation university institute group ltd".split()  # noqa: SIM905
)
# Capitalised words that never belong to a name: they split a title-case run in two.
_RUN_BREAKS = frozenset(
    """
    a an and are as at be by for from in into is of on or the to vs via with without your our my
    using how what why when which new
    """.split()  # noqa: SIM905
)
# Model-edition words: a known MODEL followed only by these (and versions) is still a MODEL.
_MODEL_WORDS = frozenset(
    """
    pro flash mini nano turbo instruct chat vision coder max plus ultra lite silica base large
    small medium preview omni reasoning thinking
    """.split()  # noqa: SIM905
)
_PHRASE_TOKEN = (
    r"(?:\.?[A-Z][A-Za-z0-9]*(?:[.\-+][A-Za-z0-9]+)*\+?|[a-z]+[A-Z][A-Za-z0-9]*(?:[.\-][A-Za-z0-9]+)*)"
)
_PHRASE_NUM = r"(?:\d+(?:\.\d+)*[A-Za-z]{0,2})"
_PHRASE = re.compile(
    rf"(?<![\w.\-/@:+#])(?:{_PHRASE_TOKEN})(?: (?:{_PHRASE_TOKEN}|{_PHRASE_NUM}))+"
    r"(?![\w\-/@+#]|\.[A-Za-z0-9])"
)
_IS_NUM = re.compile(rf"^{_PHRASE_NUM}$")


def _name_like(tok: str, known: bool) -> bool:
    """A token that can carry a name on its own: known, an acronym, versioned, CamelCase or rare."""
    return known or not tok.isalpha() or tok.isupper() or bool(_CAMEL.search(tok)) or zipf_en(tok) < EDGE_EN


def find_latin_phrases(
    text: str, known_type: KnownType, ignored: Callable[[str], bool] = lambda _: False
) -> list[PatternHit]:
    """Multi-word Latin names: ``Foundry Local``, ``Microsoft Agent Framework``, ``Gemini 2.5 Pro``.

    A title-case run is cut at function words, loses everyday words at its left edge and
    everyday words other than edition words at its right edge, and survives when it still has
    two tokens, one of which can carry a name (known, acronym, versioned, CamelCase or rare in
    English), and is not just two known names side by side (``PyTorch TensorFlow``). Type:
    ORG when it ends in an organisation word, MODEL/HARDWARE when a known model or hardware
    name is followed only by edition words and versions, else TOOL. A phrase of two unknown
    everyday-ish words must recur in its document (the extractor's support rule); a known-headed,
    three-word or coined one need not.
    """
    hits: list[PatternHit] = []
    for m in _PHRASE.finditer(text):
        start = m.start()
        pieces: list[list[tuple[int, str]]] = [[]]
        pos = start
        for tok in m.group().split(" "):
            if tok.casefold() in _RUN_BREAKS or ignored(tok):  # known non-names (YAML, CLI) too
                pieces.append([])
            else:
                pieces[-1].append((pos, tok))
            pos += len(tok) + 1
        for piece in pieces:
            hit = _phrase_hit(piece, known_type)
            if hit is not None:
                hits.append(hit)
    return hits


def _everyday(tok: str) -> bool:
    """An everyday English word written as a word (``Getting``, ``Setup``; not the acronym ``AI``)."""
    return not tok.isupper() and is_common_en(tok, EDGE_EN)


def _phrase_hit(toks: list[tuple[int, str]], known_type: KnownType) -> PatternHit | None:
    types = [known_type(t) for _, t in toks]
    # Everyday words at the left edge, and everyday non-edition words at the right edge, go.
    while toks and types[0] is None and _everyday(toks[0][1]):
        toks, types = toks[1:], types[1:]
    while (
        toks
        and types[-1] is None
        and _everyday(toks[-1][1])
        and toks[-1][1].casefold() not in EDITION_WORDS
        and toks[-1][1].casefold() not in ORG_WORDS
    ):
        toks, types = toks[:-1], types[:-1]
    if len(toks) < 2 or _IS_NUM.match(toks[0][1]):
        return None
    words = [t for _, t in toks]
    if all(_IS_NUM.match(w) for w in words[1:]) and not _model_version(words[0], words[1:]):
        return None  # CVPR 2024, Posterior 0.8: a word and a number, not a versioned name
    if words[-1] == "AI" and all(
        t is not None or _IS_NUM.match(w) for w, t in zip(words[:-1], types, strict=False)
    ):
        return None  # "Windows AI", ".NET AI": a known name's AI features, not a new thing
    if len(words) == 2 and types == [EntityType.ORG, EntityType.HARDWARE]:
        start, end = toks[0][0], toks[1][0] + len(words[1])
        return PatternHit(start, end, EntityType.HARDWARE, "vendor-hardware", 0.7)  # NVIDIA GPU
    if sum(t is not None for t in types) >= 2 and all(
        t is not None or _IS_NUM.match(w) for w, t in zip(words, types, strict=True)
    ):
        return None  # known names side by side, not one name
    if not any(_name_like(w, t is not None) for w, t in zip(words, types, strict=True)):
        return None
    if len(words) == 2 and types[0] is None and types[1] is not None and "." in words[0].strip("."):
        return None  # ``Contoso.Speech NuGet``: a package id and the known registry it comes from
    start, end = toks[0][0], toks[-1][0] + len(toks[-1][1])
    last = words[-1].casefold()
    known = [t for t in types if t is not None]
    rest_model = all(
        t is not None or _IS_NUM.match(w) or w.casefold() in _MODEL_WORDS
        for w, t in zip(words, types, strict=True)
    )
    if last in ORG_WORDS:
        etype = EntityType.ORG
    elif known and known[0] in (EntityType.MODEL, EntityType.HARDWARE) and rest_model:
        etype = known[0]
    elif HARDWARE_PREFIX.match(words[0]):
        etype = EntityType.HARDWARE
    else:
        etype = EntityType.TOOL
    if known:
        return PatternHit(start, end, etype, "latin-phrase-known", 0.65)
    # Three words or more, or a coined word (``SageMaker``), make a name on one sighting; two
    # everyday-ish words (``Token IDs``) must recur in the document.
    coined = any(w.isalpha() and not w.isupper() and zipf_en(w) < 2.5 for w in words)
    pattern = "latin-phrase-long" if len(words) >= 3 or coined else "latin-phrase"
    return PatternHit(start, end, etype, pattern, 0.55 if pattern == "latin-phrase-long" else 0.5)


_PLAIN_WORD = re.compile(
    r"[A-Z](?<![A-Za-z0-9_.\-/:@+][A-Z])(?:[a-z]{2,}|[A-Z]{2,5})(?![A-Za-z0-9_\-/:@+]|\.[A-Za-z0-9])"
)
# A lower-case word of three letters or more standing alone (not part of a path, id or version).
_LOWER_WORD = re.compile(r"(?<![A-Za-z0-9_.\-/:@+#$%=])[a-z]{3,12}(?![A-Za-z0-9_\-/:@+(=]|\.[A-Za-z0-9])")
# Four consonants in a row: an id or a random string (``ybtvgf``), not a word someone named a tool.
_UNSPEAKABLE = re.compile(r"[b-df-hj-np-tv-xz]{4}")
# Chinese text or punctuation next to a word: one regex search over its four neighbours.
_CHINESE_CONTEXT = re.compile(f"[，。、：；「」（）{HAN}]")


def find_plain_latin_words(text: str) -> list[PatternHit]:
    """Latin words embedded in Chinese text (``Weaviate``、``Dify``、``GCC``、``wget``): low-confidence names.

    In Chinese technical prose a Latin word right next to Chinese text is almost
    always a product or project name; English sentences are left alone. Which words are
    everyday English is decided by word frequency, with a bar per shape: an acronym is
    tested against a higher bar (``SQL``, ``AWS``, ``GCC`` are frequent in English only
    as the names they are; ``KEY``, ``TASK`` and ``NOTE`` are words), a lower-case word
    against a lower one (``wget``, ``gzip``, ``conda`` are rare; ``token``, ``model`` are not).
    """
    hits: list[PatternHit] = []
    for m in _PLAIN_WORD.finditer(text):
        tok = m.group()
        if tok.lower() in ENGLISH_STOP:
            continue
        if is_common_en(tok, ACRONYM_EN if tok.isupper() else COMMON_EN):
            continue
        start, end = m.span()
        if not _beside_chinese(text, start, end):
            continue
        conf = 0.4 if tok.isupper() else 0.5
        hits.append(PatternHit(start, end, EntityType.TOOL, "latin-word", conf))
    for m in _LOWER_WORD.finditer(text):
        tok = m.group()
        if tok in ENGLISH_STOP or is_common_en(tok, RARE_EN) or _UNSPEAKABLE.search(tok):
            continue
        start, end = m.span()
        if _beside_chinese(text, start, end):
            hits.append(PatternHit(start, end, EntityType.TOOL, "latin-word", 0.4))
    return hits


def _beside_chinese(text: str, start: int, end: int) -> bool:
    """Chinese text or punctuation within two characters of ``text[start:end]``."""
    return _CHINESE_CONTEXT.search(text[max(0, start - 2) : start] + text[end : end + 2]) is not None


# --- Chinese noun phrases -----------------------------------------------------------------------------

# Head nouns that make a technical noun phrase, and the type the phrase gets.
CHINESE_HEADS: dict[str, EntityType] = {
    "模型": EntityType.CONCEPT,
    "學習": EntityType.CONCEPT,
    "生成": EntityType.CONCEPT,
    "識別": EntityType.CONCEPT,
    "辨識": EntityType.CONCEPT,
    "微調": EntityType.CONCEPT,
    "量化": EntityType.CONCEPT,
    "檢索": EntityType.CONCEPT,
    "演算法": EntityType.CONCEPT,
    "蒸餾": EntityType.CONCEPT,
    "網路": EntityType.CONCEPT,
    "標註": EntityType.CONCEPT,
}
# Further heads of technical noun phrases: methods (…訓練, …壓縮), tasks (…分類, …摘要), parts of
# a system (…提示, …訊息, …代理, …搜尋), in Taiwan and in Mainland wording (…標記化, …算法, …網絡).
# Heads that name an activity of the writer as well (…部署, …優化, …處理, …架構) are left out:
# they make descriptive phrases (生產部署, 錯誤處理), not terms.
for _head in """
    壓縮 剪枝 分類 提取 抽取 摘要 轉錄 合成 偵測 檢測 分割 建模 編碼 解碼 嵌入 標記 標記化 標準化
    正規化 歸一化 提示 倫理 網絡 算法 補全 對話 會話 問答 聚類 迴歸 回歸 注意力 向量 權杖
    訊息 消息 代理 搜尋 搜索 機器人
""".split():  # noqa: SIM905
    CHINESE_HEADS.setdefault(_head, EntityType.CONCEPT)
ORG_HEADS = ("大學", "研究院", "研究所", "實驗室", "基金會", "委員會", "公司", "集團", "協會", "學會")

# Characters that end a noun phrase on its left: function words, verbs of the prose around it.
_BREAK = set(
    "的了是在和與及或把將讓從對用以為被給向於並而且也都就再先來去到要會能可這那其此每各該些個種"
    "很更最太還又只但卻如若由做讀問說看找請使叫稱有沒不讓幫跟同等靠拿所並即便當則因此"
    "我你他她它們您咱某任何該就地得著過嗎呢吧啊、，。；：！？「」『』（）()《》〈〉\n\t 　"
)


# Words that open a clause, not a term: a phrase never starts with them (僅僅學習, 試圖學習, 一家科技公司).
_LEAD_WORDS = frozenset(
    """
    僅僅 試圖 嘗試 開始 進行 透過 通過 利用 使用 採用 提出 提供 支援 支持 需要 可以 能夠 如何 什麼
    一種 一個 一家 一些 這種 那種 這個 那個 所有 其他 不同 相關 主要 簡單 直接 只是 只要 已經 正在
    挑戰 看到 學會 見到 以及 或者 並且 而且 因為 所以 如果 雖然 但是 然後 接著 最後 首先 其中 例如
    包括 包含 稱為 叫做 作為 成為 實現 完成 建立 設計 訓練 執行 運行 部署 比較 選擇 了解 理解 介紹
    探索 驗證 考慮 確保 保證 優化 減少 增加 提升 改善 保持 加速 處理 載入 下載 上傳 呼叫 調用 轉換 匯出 匯入
    高效 高級 專門 專業 緊湊 基本 完整 強大 輕量 快速 本地 專用 特定 多種 各種 新的 更多 最新
    加載 保存 測試 共享 默認 推薦 存儲 儲存 加入 導入 導出 構建 創建 建構 自定義 自訂 連續 無需
    搜尋 時候 查看 找到 得到 獲得 取得 產生 輸出 輸入 返回 傳回
    換成 改成 變成 當成 做成 改用 換用 改為 設置 設定 希望 確認 初始 自己
    多數 多家 幾家 數家 兩家 許多 很多 眾多 少數 各大 部分 某些 某家 這家 那家 該家
    """.split()  # noqa: SIM905
)
_LEAD_CHARS = frozenset("見讓把被將從向對給")
# Bound prefixes that make a verb part of a compound noun: 預訓練模型, 後訓練量化, 自監督學習,
# 半監督學習, 預處理, 跨語言 — after one of these, 訓練/處理 is no clause-opening verb.
_BOUND_PREFIX = frozenset("預後自半反非跨")


def term_start(text: str, i: int, end: int) -> int:
    """Where a term's modifier ``text[i:end]`` really starts: after any verb or function word in it
    (not one bound to a prefix before it: 預訓練), and after the function characters (見, 把, 被…)
    that open it."""
    for k in range(end - 2, i - 1, -1):
        if text[k : k + 2] in _LEAD_WORDS and not (k > i and text[k - 1] in _BOUND_PREFIX):
            i = k + 2
            break
    while end - i >= 2 and text[i] in _LEAD_CHARS:
        i += 1
    return i


def find_chinese_terms(text: str) -> list[PatternHit]:
    """Han noun phrases ending in a technical head noun (…模型, …學習, …辨識, …大學).

    The left boundary is the function word or punctuation before the phrase; within that,
    the longest start whose phrase recurs in the document wins (a term is a unit the writer
    repeats: 「殘差網路」 in 「何愷明等人提出殘差網路」 and 「殘差網路的跳接」), and a phrase never
    starts with a clause-opening word (僅僅學習, 一家科技公司).
    """
    hits: list[PatternHit] = []
    heads = "|".join(sorted([*CHINESE_HEADS, *ORG_HEADS], key=len, reverse=True))
    counts: dict[str, int] = {}
    for m in re.finditer(f"(?:{heads})", text):
        head = m.group(0)
        start = m.start()
        i = start
        while i > 0 and start - i < 6 and _HAN_RE.match(text[i - 1]) and text[i - 1] not in _BREAK:
            i -= 1
        i = term_start(text, i, start)
        if start - i < 2:
            continue
        best = i
        for j in range(i, start - 1):
            if j > i and text[j - 1] in _BOUND_PREFIX:
                continue  # 訓練模型 of 預訓練模型: a prefix is not cut off
            cand = text[j : m.end()]
            n = counts.get(cand)
            if n is None:
                n = counts[cand] = text.count(cand)
            if n >= 2:
                best = j
                break
        if head in ORG_HEADS:  # 華盛頓大學, 艾倫人工智能研究所: the head alone says organisation
            hits.append(PatternHit(best, m.end(), EntityType.ORG, "zh-org", 0.5))
        else:
            hits.append(PatternHit(best, m.end(), CHINESE_HEADS[head], "zh-term", 0.45))
    for m in _HAN_AI.finditer(text):  # 視覺 AI, 設備端 AI, 生成式 AI: a field of AI, written half in Latin
        i = m.start()
        for k in range(m.end(1) - 1, m.start() - 1, -1):  # after the last function character
            if text[k] in _BREAK:
                i = k + 1
                break
        i = term_start(text, i, m.end(1))  # 提供 AI, 高效 AI: a verb or an adjective, not a field
        if m.end(1) - i < 2:
            continue
        hits.append(PatternHit(i, m.end(), EntityType.CONCEPT, "zh-term", 0.45))
    return hits


_HAN_AI = re.compile(rf"([{HAN}]{{2,4}}) ?AI(?![A-Za-z0-9])")


# --- variants ------------------------------------------------------------------------------------------

_VARIANT_SUFFIX = re.compile(
    r"(?i)[\s\-_]+(?:instruct|chat|base|it|hf|awq|gptq|gguf|fp16|bf16|fp8|int4|int8|q\d\w*|v\d[\w.]*|alpha\d*|beta\d*|preview|turbo|mini)$"
)
_SIZE_SUFFIX = re.compile(r"(?i)[\s\-_:]+\d+(?:\.\d+)?[bmk]$")


def variant_family(surface: str) -> str:
    """The family a model variant belongs to, as text, or "" when ``surface`` is not a variant.

    ``llama3.1:70b-instruct-fp16`` → ``llama3.1``; ``Llama 3.1 405B`` → ``Llama 3.1``;
    ``Breeze-7B-Instruct-v1_0`` → ``Breeze-7B``; ``BAAI/bge-m3`` → "" (an id, not a variant).
    """
    s = surface.strip()
    if "/" in s:
        return ""
    if ":" in s and _OLLAMA.match(s):
        return s.split(":", 1)[0]
    base = s
    while True:
        new = _VARIANT_SUFFIX.sub("", base)
        if new == base or not new:
            break
        base = new
    if base == s:  # a size is a variant marker only when nothing else is ("Llama 3.1 405B")
        base = _SIZE_SUFFIX.sub("", base) or base
    if base == s or len(base) < 2 or not re.search(r"[A-Za-z]{2}", base):
        return ""
    return base
