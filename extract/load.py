"""Paths → decoded text, with every reason a file cannot be used stated in one line.

Taiwanese archives still hold Big5 (CP950) files next to UTF-8 ones, and
mainland sources arrive as GB18030; both decode "successfully" as the other
often enough that a strict decode alone cannot choose, so candidates are
scored by how much of their text is everyday Chinese.

No input may stall or crash a run: only regular files are ever opened (a FIFO
would block ``open`` forever, ``/dev/zero`` would never end a read), checked
with ``stat`` on the resolved target before any open and again with ``fstat``
on a non-blocking descriptor; reads stop at the size limit whatever ``stat``
claimed; and every odd entry (symlink loop, dangling symlink, a name that is
not UTF-8) is one skipped line, never an exception. File names are shown
through :func:`printable_path`, so a name holding a newline or an escape
sequence cannot forge report lines or repaint a terminal.

PDF and DOCX are read by :mod:`extract.office` from the same bounded bytes.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import stat
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from extract.errors import ZhkgError
from extract.records import LoadedFile
from extract.timing import timed

# Suffix → what reads the file. Text kinds are also the LoadedFile's ``fmt``; a DOCX becomes
# Markdown-like text (fmt "markdown"), a PDF keeps fmt "pdf" (pages separated by "\f").
FORMATS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdx": "mdx",
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}

MIB = 1024 * 1024
NO_SUCH = "no such file or folder"  # graph.ingest counts exactly this reason as failed, not skipped
NOT_UTF8 = "file name is not valid UTF-8 (rename the file to ingest it)"
BAD_NAME = "invalid file name (contains a NUL character)"

# A DOCX may unpack to this many times the file size limit (Word's XML compresses about 5-10x).
DOCX_UNPACK_FACTOR = 10

# Frequent characters in both scripts; real text is full of them, mis-decoded text is not.
_COMMON = set(
    "的一是不了在人有我他這个們们中來来上大為为和國国地到以說说時时要就出會会可也你對对生能而子那得於于"
    "著着下自之年過过發发後后作裡里用道行所然家種种事成方多經经麼么去法學学如都同現现當当沒没動动面起看定"
    "天分還还進进好小部其些主樣样理心她本前開开但因只從从想實实日軍军者意無无力它與与長长把機机十民第公此"
    "已工使情明性知全三又關关點点正業业外將将兩两高間间由問问很最重並并物手應应戰战向頭头文體体政美相見见"
    "被利什二等產产或新己制身果加西斯月話话合回特代內内信表化老給给世位次度門门任常先海通教兒儿原東东聲声"
    "提立及比員员解水名真論论處处走義义各入幾几口認认條条平系氣气題题活爾尔更別别打女變变四神總总何電电數数"
    "安少報报才結结反受目太量再感建務务做接必場场件計计管期市直德資资命山金指克許许統统區区保至隊队形社便"
    "空決决治展馬马科司五基眼書书非則则聽听白卻却界達达光放強强即像難难且權权思王象完設设式色路記记南品住"
    "告類类求據据程北邊边死張张該该交規规萬万取拉格望覺觉術术領领共確确傳传師师觀观清今切院讓让識识候帶带"
    "導导爭争運运笑飛飞風风步改收根干造言聯联持組组每濟济車车親亲極极林服快辦办議议往元英士證证近失轉转夫"
    "令準准布始怎呢存未遠远叫台單单影具羅罗字愛爱擊击流備备兵連连調调深商算質质團团集百需價价花黨党華华城"
    "石級级整府離离況况亞亚請请技際际約约示復复病息究線线似官火斷断精滿满支視视消越器容照須须九增研寫写稱"
    "称企八功嗎吗包片史委乎查輕轻易早曾除農农找裝装廣广顯显吧阿李標标談谈吃圖图念六引歷历首醫医局突專专費费"
    "號号盡尽另周較较注語语仅考落青隨随選选列武紅红響响雖虽推勢势參参希古眾众構构房半節节土投某案黑維维革"
    "劃划敵敌致陳陈律足態态護护七興兴派孩驗验責责營营星夠够章音跟志底站嚴严巴例防族供效續续施留講讲型料終终"
    "答緊紧黃黄絕绝奇察母京段依批群項项故按河米圍围江織织害斗雙双境客紀纪採采舉举殺杀攻父蘇苏密低朝友訴诉止"
)

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class SkipFile(ZhkgError):
    """A file that cannot be ingested; the message is the one-line reason shown to the user."""


@dataclass(frozen=True, slots=True)
class Found:
    """A candidate file: the path as the user gave it (printable, for display), and its real
    location (its identity, and what is opened)."""

    given: str
    real: Path


# Categories that must never reach a terminal or a report verbatim: controls (newline, ESC),
# format characters (bidi overrides that reorder what is shown), lone surrogates, line/paragraph
# separators. Spaces of every kind, including the ideographic space, stay as they are.
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_SHORT_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def printable_path(path: str) -> str:
    """``path`` safe to print on one line: undecodable bytes (``os`` hands them over as
    surrogate escapes) become ``\\xNN``, control and format characters become ``\\n``,
    ``\\x1b``, ``\\u202e``…; everything else, Chinese included, is kept as written."""
    if path.isprintable():
        return path
    out: list[str] = []
    for ch in path:
        if unicodedata.category(ch) not in _UNPRINTABLE:
            out.append(ch)
            continue
        o = ord(ch)
        if 0xDC80 <= o <= 0xDCFF:  # surrogateescape of the byte o - 0xDC00
            out.append(f"\\x{o - 0xDC00:02x}")
        elif ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif o < 0x100:
            out.append(f"\\x{o:02x}")
        else:
            out.append(f"\\u{o:04x}")
    return "".join(out)


def _is_utf8(path: str) -> bool:
    """False for names holding bytes that are not UTF-8: they cannot be stored, hashed into an
    id or printed without losing what the name was."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _not_regular(mode: int) -> str:
    what = next((name for test, name in _KINDS if test(mode)), "a special file")
    return f"not a regular file ({what})"


def _stat_problem(path: str, exc: OSError) -> str:
    """The one-line reason a path cannot be followed to a file."""
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return "dangling symlink (its target does not exist)" if os.path.islink(path) else NO_SUCH
    if exc.errno == errno.EACCES:
        return "unreadable (permission denied)"
    return f"unreadable ({printable_path(exc.strerror or str(exc))})"


def _size(n: int) -> str:
    return f"{n / MIB:.1f} MiB" if n >= MIB // 10 else f"{n:,} bytes"


def _too_large(size: int, max_bytes: int) -> SkipFile:
    return SkipFile(f"too large ({_size(size)} > limit {_size(max_bytes)})")


def _kind_of(name: str) -> str | None:
    return FORMATS.get(os.path.splitext(name)[1].lower())


def discover(
    paths: Iterable[str | Path], *, allowed_root: Path | None = None
) -> tuple[list[Found], list[tuple[str, str]]]:
    """Expand files and folders into candidate files; return (found, [(path, reason)] not usable).

    Folders are walked recursively in sorted order, skipping hidden folders
    (``.git``, a workspace such as ``.zhkg``) and files of other types; a file
    named explicitly with an unknown type is reported rather than ignored, and
    one with no suffix at all (typically a symlink such as ``notes -> blob``) is
    kept for :func:`load_file` to recognise by content. Symlinked files are
    followed, symlinked folders are not entered. Every path is checked with
    ``stat`` only: nothing is opened here.

    With ``allowed_root``, anything whose real location lies outside that folder
    (a symlink planted in an upload pointing at ``/etc``) is reported instead of
    found. Reported paths and :attr:`Found.given` are :func:`printable_path`.
    """
    found: list[Found] = []
    problems: list[tuple[str, str]] = []
    seen: set[Path] = set()
    root = Path(os.path.realpath(allowed_root)) if allowed_root is not None else None

    def consider(shown: str, path: str, *, explicit: bool) -> None:
        if not _is_utf8(path):
            problems.append((shown, NOT_UTF8))
            return
        try:
            st = os.stat(path)
        except OSError as exc:
            problems.append((shown, _stat_problem(path, exc)))
            return
        except ValueError:  # an embedded NUL, e.g. from a form field
            problems.append((shown, BAD_NAME))
            return
        real = Path(os.path.realpath(path))
        kind = _kind_of(path) or _kind_of(str(real))
        if kind is None:
            no_suffix = not os.path.splitext(path)[1] and not real.suffix
            if explicit and not no_suffix:
                suffix = os.path.splitext(path)[1] or real.suffix
                problems.append((shown, f"unsupported file type {printable_path(suffix)!r}"))
            if not (explicit and no_suffix):
                return
        if not stat.S_ISREG(st.st_mode):
            problems.append((shown, _not_regular(st.st_mode)))
            return
        if root is not None and not real.is_relative_to(root):
            how = "symlink leads" if real != Path(os.path.abspath(path)) else "file lies"
            problems.append((shown, f"{how} outside the allowed folder"))
            return
        if real not in seen:
            seen.add(real)
            found.append(Found(shown, real))

    for raw in paths:
        given = os.fspath(raw)
        shown = printable_path(given)
        if not _is_utf8(given):
            problems.append((shown, NOT_UTF8))
            continue
        try:
            st = os.stat(given)
        except OSError as exc:
            problems.append((shown, _stat_problem(given, exc)))
            continue
        except ValueError:
            problems.append((shown, BAD_NAME))
            continue
        if stat.S_ISDIR(st.st_mode):
            if root is not None and not Path(os.path.realpath(given)).is_relative_to(root):
                problems.append((shown, "folder lies outside the allowed folder"))
                continue
            for path in sorted(_walk(given, problems), key=lambda f: Path(f).parts):
                rel = Path(path).relative_to(given) if given == "." else Path(path)
                consider(printable_path(str(rel)), path, explicit=False)
        else:
            consider(shown, given, explicit=True)
    return found, problems


def _walk(root: str, problems: list[tuple[str, str]]) -> Iterator[str]:
    """Non-hidden files under ``root`` with a name that could be ours (or a symlink that could
    lead to one); unreadable folders and folders with non-UTF-8 names are reported once."""

    def unreadable(exc: OSError) -> None:
        where = exc.filename if isinstance(exc.filename, str) else root
        problems.append((printable_path(where), f"folder not read ({_stat_problem(where, exc)})"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
        keep = []
        for d in dirnames:
            if d.startswith("."):
                continue
            if not _is_utf8(d):
                shown = printable_path(os.path.join(dirpath, d))
                problems.append((shown, "folder name is not valid UTF-8 (its files are not read)"))
                continue
            keep.append(d)
        dirnames[:] = keep
        for name in filenames:
            if name.startswith("."):
                continue
            path = os.path.join(dirpath, name)
            if _kind_of(name) or (os.path.islink(path) and _kind_of(_link_target(path))):
                yield path


def _link_target(path: str) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return ""


def read_bounded(path: str | Path, max_bytes: int) -> bytes:
    """The bytes of a regular file, at most ``max_bytes``, or :class:`SkipFile`.

    ``stat`` (following symlinks) rejects FIFOs, sockets and devices before any
    open; the open itself is non-blocking so a FIFO swapped in after the check
    still cannot hang us, and ``fstat`` on the descriptor re-checks what was
    actually opened. The read stops at ``max_bytes + 1`` bytes, so a file that
    grows, or lies about its size, cannot exhaust memory.
    """
    p = os.fspath(path)
    try:
        st = os.stat(p)
    except OSError as exc:
        raise SkipFile(_stat_problem(p, exc)) from None
    except ValueError:  # an embedded NUL
        raise SkipFile(BAD_NAME) from None
    if not stat.S_ISREG(st.st_mode):
        raise SkipFile(_not_regular(st.st_mode))
    if st.st_size > max_bytes:
        raise _too_large(st.st_size, max_bytes)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(p, flags)
    except PermissionError:
        raise SkipFile("unreadable (permission denied)") from None
    except OSError as exc:
        raise SkipFile(_stat_problem(p, exc)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SkipFile(_not_regular(st.st_mode))
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, MIB))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise SkipFile(f"unreadable ({printable_path(exc.strerror or str(exc))})") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise SkipFile(f"too large (grew past the limit of {_size(max_bytes)} while being read)")
    return data


def sniff_format(data: bytes) -> str | None:
    """What a file without a known suffix is, by its first bytes; only formats whose signature
    cannot be mistaken: PDF, a Word zip, HTML. Plain text is never guessed here."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04") and b"word/" in data[:65536]:
        return "docx"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    return None


@timed("load.load_file")
def load_file(found: Found, max_bytes: int) -> LoadedFile:
    """Read and decode one file, or raise :class:`SkipFile` with the reason; nothing else escapes.

    The format comes from the name as given (``notes.md`` may be a symlink to a
    blob), then the real file's suffix, then the content (:func:`sniff_format`).
    ``raw_hash`` and ``size_bytes`` describe the file's bytes whatever the format.
    """
    return load_bytes(found, read_bounded(found.real, max_bytes), max_bytes)


def load_bytes(found: Found, data: bytes, max_bytes: int) -> LoadedFile:
    """:func:`load_file` on bytes already read (the Spark engine reads a URL's bytes through
    Hadoop on an executor): the same checks, decoding and containers, the same reasons."""
    if len(data) > max_bytes:
        raise _too_large(len(data), max_bytes)
    kind = _kind_of(found.given) or _kind_of(found.real.name)
    if not data.strip():
        raise SkipFile("empty file")
    if kind is None:
        kind = sniff_format(data)
        if kind is None:
            raise SkipFile("unsupported file type '(none)' (no suffix, and not PDF, DOCX or HTML by content)")
    if kind in ("pdf", "docx"):
        text, encoding, fmt = _container_text(data, kind, max_bytes)
    else:
        text, encoding = decode(data)
        fmt = kind
    if not text.strip():
        raise SkipFile("empty file")
    return LoadedFile(
        path=found.given,
        raw_hash=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        encoding=encoding,
        text=text.replace("\r\n", "\n").replace("\r", "\n"),
        fmt=fmt,
    )


def _container_text(data: bytes, kind: str, max_bytes: int) -> tuple[str, str, str]:
    """(text, encoding, fmt) of a PDF or DOCX; the "encoding" names the container."""
    from extract import office  # the parsers load only when such a file turns up

    try:
        if kind == "pdf":
            got = office.pdf_text(data)
        else:
            got = office.docx_text(data, max(DOCX_UNPACK_FACTOR * max_bytes, 16 * MIB))
    except office.UnusableDocument as exc:
        raise SkipFile(printable_path(str(exc))) from None
    if not got.text.strip():
        raise SkipFile("empty document (no text)")
    return got.text, kind, got.fmt


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8 (with or without BOM), UTF-16/32 with BOM, Big5/CP950 or GB18030."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError:
                raise SkipFile(f"invalid {enc} text after byte-order mark") from None
    if b"\x00" in data[:8192]:
        raise SkipFile("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates: list[tuple[float, str, str]] = []
    for enc in ("cp950", "big5hkscs", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        candidates.append((_plausibility(text), enc, text))
    if not candidates:
        raise SkipFile("not text: undecodable as UTF-8, Big5/CP950 or GB18030")
    score, enc, text = max(candidates, key=lambda c: c[0])
    if score < 0.02:
        raise SkipFile("binary or unknown encoding (decoded text is not readable Chinese)")
    return text, {"cp950": "big5", "big5hkscs": "big5"}.get(enc, enc)


def _plausibility(text: str) -> float:
    """Share of characters that are ASCII letters/digits or everyday Chinese; controls count against."""
    if not text:
        return 0.0
    good = 0
    bad = 0
    for ch in text:
        if ch in _COMMON or (ch.isascii() and (ch.isalnum() or ch in " \n\t.,:;-_/#*()[]")):
            good += 1
        elif (ord(ch) < 32 and ch not in "\n\t\r") or 0xE000 <= ord(ch) <= 0xF8FF:
            bad += 3
    return (good - bad) / len(text)
