"""Paths → decoded text, with every reason a file cannot be used stated in one line.

Taiwanese archives still hold Big5 (CP950) files next to UTF-8 ones, and
mainland sources arrive as GB18030; both decode "successfully" as the other
often enough that a strict decode alone cannot choose, so candidates are
scored by how much of their text is everyday Chinese.
"""

from __future__ import annotations

import codecs
import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from extract.records import LoadedFile

FORMATS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdx": "mdx",
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
}

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


class SkipFile(Exception):
    """A file that cannot be ingested; the message is the one-line reason shown to the user."""


@dataclass(frozen=True, slots=True)
class Found:
    """A candidate file: the path as the user gave it, and its real location (its identity)."""

    given: str
    real: Path


def discover(paths: Iterable[str | Path]) -> tuple[list[Found], list[tuple[str, str]]]:
    """Expand files and folders into candidate files; return (found, [(path, reason)] not usable).

    Folders are walked recursively in sorted order, skipping hidden folders
    (``.git``, a workspace such as ``.zhkg``) and files of other types; a file
    named explicitly with an unknown type is reported rather than ignored.
    """
    found: list[Found] = []
    problems: list[tuple[str, str]] = []
    seen: set[Path] = set()

    def add(given: str, p: Path) -> None:
        real = p.resolve()
        if real not in seen:
            seen.add(real)
            found.append(Found(given, real))

    for raw in paths:
        given = str(raw)
        p = Path(raw)
        if p.is_dir():
            for f in sorted(_walk(p)):
                add(str(f) if given != "." else str(f.relative_to(p)), f)
        elif p.is_file():
            if p.suffix.lower() in FORMATS:
                add(given, p)
            else:
                problems.append((given, f"unsupported file type {p.suffix or '(none)'!r}"))
        elif p.exists():
            problems.append((given, "not a regular file"))
        else:
            problems.append((given, "no such file or folder"))
    return found, problems


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith(".") and Path(name).suffix.lower() in FORMATS:
                yield Path(dirpath) / name


def load_file(found: Found, max_bytes: int) -> LoadedFile:
    """Read and decode one file, or raise :class:`SkipFile` with the reason."""
    try:
        size = found.real.stat().st_size
        if size > max_bytes:
            raise SkipFile(f"too large ({size / 1e6:.1f} MB > limit {max_bytes / 1e6:.1f} MB)")
        data = found.real.read_bytes()
    except PermissionError:
        raise SkipFile("unreadable (permission denied)") from None
    except OSError as exc:
        raise SkipFile(f"unreadable ({exc.strerror or exc})") from None
    if not data.strip():
        raise SkipFile("empty file")
    text, encoding = decode(data)
    if not text.strip():
        raise SkipFile("empty file")
    return LoadedFile(
        path=found.given,
        raw_hash=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        encoding=encoding,
        text=text.replace("\r\n", "\n").replace("\r", "\n"),
        fmt=FORMATS[found.real.suffix.lower()],
    )


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
