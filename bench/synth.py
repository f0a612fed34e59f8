"""Seeded synthetic corpus of Traditional-Chinese technical writing, for benchmarks.

Why synthetic: the 31 sample documents are far too few to measure throughput,
memory or query latency at 1k/10k/100k documents, and real crawls cannot be
shipped. The generator builds documents that exercise every stage the way real
ones do:

* names come from the shipped lexicon (``extract/lexicon/*.yaml``: canonical
  names and their aliases, English and Chinese), picked with a Zipf-like
  popularity so a few entities are everywhere and most are rare, plus invented
  Latin-script product names and Chinese person names that only the patterns
  can find;
* sentences come from templates that carry relations (「X 整合了 Y」「X 是一種 Y」
  「我們在 RTX 4090 上用 LoRA 微調 X」「X 由 Y 開發」), definitions, comparisons
  and tables, code blocks with Ollama tags and Hugging Face ids, and a few
  fake credentials for the redactor;
* documents are 2–6k characters, grouped in "site" folders of
  :data:`SITE_SIZE` documents that share navigation, about-the-author and
  footer blocks (cross-document boilerplate), in Markdown with front matter,
  HTML and plain text; a few contain a Simplified-Chinese passage.

Reproducibility: document ``i`` depends only on ``(seed, i)`` and site ``i //
SITE_SIZE`` only on ``(seed, site)``, so the same command writes byte-identical
files, and the 1k corpus is exactly the first 1,000 documents of the 10k one.
A ``manifest.json`` (counts, characters, bytes and a SHA-256 over all files)
and a ``questions.json`` for the retrieval benchmark are written beside the
documents; neither is an ingestible file type.

Usage: ``python bench/synth.py --docs 1000 --seed 7 --out /tmp/zhkg-bench/c1k``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import re
import sys
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml

log = logging.getLogger("bench.synth")

ROOT = Path(__file__).resolve().parent.parent
LEXICON_DIR = ROOT / "extract" / "lexicon"
SITE_SIZE = 50  # documents per site folder: enough for boilerplate statistics to fire
MIN_CHARS, MAX_CHARS = 2000, 6000
SIMPLIFIED_SHARE = 0.05
SECRET_SHARE = 0.02
FORMAT_WEIGHTS = {"markdown": 0.70, "html": 0.15, "text": 0.15}
EXT = {"markdown": ".md", "html": ".html", "text": ".txt"}

_OLLAMA_TAG = re.compile(r"^[a-z][a-z0-9.\-]*:[0-9a-z.]+$")
_HAN = re.compile(r"[\u4e00-\u9fff]")


# -- vocabulary ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Name:
    """A lexicon entry as the generator uses it: canonical name, entity type, other spellings."""

    name: str
    type: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Vocab:
    """Everything drawn from the lexicon, in a fixed order so draws are reproducible."""

    by_type: dict[str, list[Name]]
    weights: dict[str, list[float]]
    ollama_tags: list[str]


def load_vocab(seed: int, lexicon_dir: Path = LEXICON_DIR) -> Vocab:
    """Read the shipped lexicon YAML and give each type a seeded Zipf-like popularity order."""
    by_type: dict[str, list[Name]] = {}
    tags: list[str] = []
    for path in sorted(lexicon_dir.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        default = str(data.get("type", "CONCEPT")).upper()
        for raw in data.get("entries", []):
            aliases = tuple(str(a) for a in raw.get("aliases") or [] if str(a).strip())
            n = Name(str(raw["name"]).strip(), str(raw.get("type") or default).upper(), aliases)
            by_type.setdefault(n.type, []).append(n)
            tags.extend(a for a in aliases if _OLLAMA_TAG.match(a))
    rng = random.Random(f"{seed}:vocab")
    weights: dict[str, list[float]] = {}
    for etype in sorted(by_type):
        rng.shuffle(by_type[etype])
        weights[etype] = [1.0 / (rank + 1) ** 0.9 for rank in range(len(by_type[etype]))]
    return Vocab(by_type=by_type, weights=weights, ollama_tags=sorted(set(tags)))


SURNAMES = (
    "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周徐蘇葉莊呂江何蕭羅高潘簡朱鍾游彭詹胡施沈余盧梁趙顏柯翁魏孫戴"
)
GIVEN = "志明家豪怡君雅婷建宏淑芬俊傑美玲冠宇宗翰佩珊承恩欣怡思妤柏翰詠晴品妍宇軒子涵彥廷育誠"
SYLLABLES = (
    "Nova",
    "Tai",
    "Lume",
    "Zen",
    "Orca",
    "Kite",
    "Mora",
    "Vega",
    "Pico",
    "Rho",
    "Sora",
    "Juno",
    "Quill",
)
SITE_TOPICS = (
    "本機 AI 筆記",
    "模型部署週報",
    "資料工程手札",
    "開源工具評測",
    "AI 社群通訊",
    "機器學習教室",
    "GPU 實驗室",
)
JOBS = ("後端工程師", "資料科學家", "機器學習工程師", "平台工程師", "研究助理", "技術主管", "獨立開發者")
TASKS = ("問答", "摘要", "翻譯", "程式碼生成", "文件檢索", "客服對話", "資訊擷取")

FILLER = (
    "這個做法在小團隊裡特別實用，因為維護成本低、出錯時也容易排查。",
    "實際跑起來之後，最花時間的往往不是模型本身，而是資料清理和評測。",
    "如果只是想快速驗證想法，先用預設參數跑一輪，再慢慢調整即可。",
    "記得把每次實驗的設定和結果記錄下來，之後比較時才不會混亂。",
    "社群文件寫得相當完整，遇到問題時先查官方說明通常就能解決。",
    "在正式環境中，監控延遲和記憶體用量比追求最高分數更重要。",
    "很多人第一次接觸時會卡在環境安裝，建議先確認驅動程式和函式庫版本相容。",
    "評測分數只是參考，真正上線前一定要用自己的資料再測一次。",
    "文件切塊的大小會直接影響檢索品質，太大太小都不理想。",
    "我們也試過其他組合，但在成本和效果之間，這個方案最平衡。",
    "繁體中文的斷詞和用語是常見的坑，最好準備一份在地詞表。",
    "批次大小設太大時容易記憶體不足，可以先從小的數值開始往上調。",
    "整體流程大約半天就能完成，之後每次更新只需要幾分鐘。",
    "這部分的設定檔可以放進版本控制，方便團隊成員重現結果。",
    "下一篇會再整理部署到雲端時遇到的問題，以及對應的解法。",
    "如果你的資料量不大，單機就足以應付，不必一開始就上叢集。",
)
HEADINGS = (
    "背景",
    "環境準備",
    "安裝與設定",
    "實作步驟",
    "效能比較",
    "常見問題",
    "心得",
    "延伸閱讀",
    "架構說明",
    "測試結果",
)
SIMPLIFIED = (
    "我们在 {hw} 上用 {lora} 微调 {model}，训练大约花了 {n} 个小时，效果比预期好。",
    "{model} 是一种大型语言模型，由 {org} 开发，中文能力相当不错。",
    "通过 {tool} 部署之后，每秒可以生成大约 {n} 个 token，延迟也在可接受范围内。",
    "这篇文章转载自社区论坛，原文使用简体中文，保留原样供读者参考。",
)


# -- one document --------------------------------------------------------------------------------


class DocWriter:
    """Builds one document's content blocks from its own RNG; knows nothing about other documents."""

    def __init__(self, vocab: Vocab, rng: random.Random) -> None:
        self.v = vocab
        self.rng = rng
        # A document is "about" a handful of entities, so co-occurrence means something.
        self.focus = {t: self._draw(t, 3) for t in vocab.by_type}
        self.stats: Counter[str] = Counter()

    def _draw(self, etype: str, k: int) -> list[Name]:
        names = self.v.by_type.get(etype, [])
        return self.rng.choices(names, weights=self.v.weights[etype], k=k) if names else []

    def pick(self, etype: str) -> str:
        """A surface for an entity of ``etype``: usually a focus entity, usually its canonical name."""
        rng = self.rng
        pool = self.focus.get(etype) or []
        n = rng.choice(pool) if pool and rng.random() < 0.7 else self._draw(etype, 1)[0]
        if n.aliases and rng.random() < 0.3:
            return rng.choice(n.aliases)
        return n.name

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.sample(GIVEN, 2))

    def invented(self) -> str:
        """A Latin-script product name that is in no lexicon (found by patterns, or not at all)."""
        a, b = self.rng.sample(SYLLABLES, 2)
        return f"{a}{b}-{self.rng.choice((3, 7, 8, 13, 14, 32, 70))}B"

    def sentence(self) -> str:
        """One prose sentence; most carry a relation between two names."""
        r = self.rng
        p = self.pick
        n = r.randint(2, 90)
        kind = r.randrange(14)
        self.stats[f"t{kind}"] += 1
        if kind == 0:
            return f"{p('TOOL')} 整合了 {p('TOOL')}，讓開發者可以在同一個流程裡完成{r.choice(TASKS)}。"
        if kind == 1:
            return f"{p('MODEL')} 是一種{p('CONCEPT')}，常被拿來做{r.choice(TASKS)}。"
        if kind == 2:
            method = r.choice(("LoRA", "QLoRA", "LoRA 微調"))
            return f"我們在 {p('HARDWARE')} 上用 {method} 微調 {p('MODEL')}，大約花了 {n} 小時。"
        if kind == 3:
            return f"{p('MODEL')} 由 {p('ORG')} 開發，採用開放權重授權，社群版本也很多。"
        if kind == 4:
            return f"{p('MODEL')} 以 {p('MODEL')} 為基礎，針對繁體中文做了繼續預訓練。"
        if kind == 5:
            return f"透過 {p('TOOL')} 在 {p('HARDWARE')} 上跑 {p('MODEL')}，每秒可以生成約 {n} 個 token。"
        if kind == 6:
            x, y = p("MODEL"), p("MODEL")
            return f"和 {x} 相比，{y} 在推論速度上快了約 {n}%，但記憶體用量也多了 {r.randint(1, 24)} GB。"
        if kind == 7:
            return f"{p('ORG')} 推出了 {p('TOOL')}，目前由社群持續維護。"
        if kind == 8:
            return f"{p('TOOL')} 支援 {p('CONCEPT')}，設定好之後就能直接使用。"
        if kind == 9:
            return f"{self.person()} 表示，{p('TOOL')} 搭配 {p('TOOL')} 是目前最省事的組合。"
        if kind == 10:
            return f"{self.invented()} 是一個新的開放模型，在 {p('HARDWARE')} 上也能順利執行。"
        if kind == 11:
            tag = r.choice(self.v.ollama_tags) if self.v.ollama_tags else "llama3.1:8b"
            return f"用 Ollama 下載 `{tag}` 之後，就能在筆電上離線測試。"
        return r.choice(FILLER)

    def paragraph(self) -> str:
        return "".join(self.sentence() for _ in range(self.rng.randint(3, 7)))

    def definition(self) -> str:
        c = self.rng.choice(self.focus.get("CONCEPT") or self._draw("CONCEPT", 1))
        alias = next((a for a in c.aliases if a.isascii()), "")
        head = f"{c.name}（{alias}）" if alias else c.name
        self.stats["definition"] += 1
        return f"{head}是指一種在{self.rng.choice(TASKS)}中常用的技術，{self.rng.choice(FILLER)}"

    def table(self) -> list[str]:
        """A comparison table as Markdown rows."""
        models = [self.pick("MODEL") for _ in range(self.rng.randint(2, 4))]
        rows = ["| 模型 | 參數量 | 推論速度 | 適合硬體 |", "|---|---|---|---|"]
        for m in models:
            rows.append(
                f"| {m} | {self.rng.choice((3, 7, 8, 13, 70))}B | {self.rng.randint(10, 120)} tok/s"
                f" | {self.pick('HARDWARE')} |"
            )
        self.stats["table"] += 1
        return rows

    def code(self) -> str:
        tag = self.rng.choice(self.v.ollama_tags) if self.v.ollama_tags else "llama3.1:8b"
        hf = f"{self.rng.choice(('meta-llama', 'Qwen', 'mistralai', 'google'))}/{self.invented()}-Instruct"
        self.stats["code"] += 1
        if self.rng.random() < 0.5:
            return f'ollama pull {tag}\nollama run {tag} "請用繁體中文摘要這篇文章"'
        return (
            "from transformers import AutoModelForCausalLM, AutoTokenizer\n"
            f'tok = AutoTokenizer.from_pretrained("{hf}")\n'
            f'model = AutoModelForCausalLM.from_pretrained("{hf}", device_map="auto")'
        )

    def secret(self) -> str:
        """A fake credential line so the redactor has something to do (never a real key)."""
        body = "".join(self.rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", k=40))
        self.stats["secret"] += 1
        return f"export OPENAI_API_KEY=sk-{body}"

    def simplified(self) -> str:
        self.stats["simplified"] += 1
        return "".join(
            t.format(
                hw=self.pick("HARDWARE"),
                lora="LoRA",
                model=self.pick("MODEL"),
                org=self.pick("ORG"),
                tool=self.pick("TOOL"),
                n=self.rng.randint(2, 60),
            )
            for t in self.rng.sample(SIMPLIFIED, 3)
        )

    def sections(self, target: int) -> list[tuple[str, list[tuple[str, str]]]]:
        """(heading, [(kind, text)]) sections until the content reaches ``target`` characters."""
        out: list[tuple[str, list[tuple[str, str]]]] = []
        size = 0
        headings = list(HEADINGS)
        self.rng.shuffle(headings)
        with_simplified = self.rng.random() < SIMPLIFIED_SHARE
        with_secret = self.rng.random() < SECRET_SHARE
        i = 0
        while size < target:
            items: list[tuple[str, str]] = []
            if i == 0:
                items.append(("p", self.definition()))
            for _ in range(self.rng.randint(1, 3)):
                items.append(("p", self.paragraph()))
            roll = self.rng.random()
            if roll < 0.25:
                items.append(("code", self.code()))
            elif roll < 0.40:
                items.append(("table", "\n".join(self.table())))
            elif roll < 0.55:
                items.append(("list", "\n".join(self.sentence() for _ in range(3))))
            if i == 1 and with_simplified:
                items.append(("p", self.simplified()))
            if i == 1 and with_secret:
                items.append(("code", self.secret()))
            heading = headings[i % len(headings)] + (
                "" if i < len(headings) else f" {i // len(headings) + 1}"
            )
            # The last section may not overshoot the target by much: drop its trailing items.
            while len(items) > 1 and size + sum(len(t) for _, t in items) > target + 300:
                items.pop()
            out.append((heading, items))
            size += sum(len(t) for _, t in items) + len(heading)
            i += 1
        return out


# -- sites and formats ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """One folder: a name, a format mix and the blocks repeated on every page."""

    index: int
    name: str
    folder: str
    fmt: str
    editor: str
    nav: tuple[str, ...]
    about: str
    footer: str


def make_site(seed: int, index: int) -> Site:
    rng = random.Random(f"{seed}:site:{index}")
    topic = rng.choice(SITE_TOPICS)
    name = f"{rng.choice(SURNAMES)}{rng.choice(('記', '的', '小'))}{topic}"
    fmt = rng.choices(list(FORMAT_WEIGHTS), weights=list(FORMAT_WEIGHTS.values()))[0]
    editor = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))
    return Site(
        index=index,
        name=name,
        folder=f"site-{index:05d}",
        fmt=fmt,
        editor=editor,
        nav=("首頁", "文章列表", f"{topic}專欄", "活動", "關於我們", "聯絡我們"),
        about=f"{editor} 是「{name}」的主編，{rng.choice(JOBS)}，平常關注本機部署、"
        f"檢索增強生成與繁體中文模型，歡迎來信交流。",
        footer=f"© 2024 {name}．本站文章採用 CC BY-NC 4.0 授權，轉載請註明出處並附上原文連結。",
    )


def render(
    site: Site,
    title: str,
    author: str,
    date: str,
    tags: Sequence[str],
    sections: Sequence[tuple[str, list[tuple[str, str]]]],
) -> str:
    """One document in the site's format, boilerplate included."""
    if site.fmt == "markdown":
        lines = [
            "---",
            f"標題: {title}",
            f"時間: {date}",
            f"作者: {author}",
            f"標籤: [{', '.join(tags)}]",
            "---",
            "",
        ]
        lines += [" ".join(f"[{n}](/{i})" for i, n in enumerate(site.nav)), "", f"# {title}", ""]
        for heading, items in sections:
            lines += [f"## {heading}", ""]
            for kind, text in items:
                if kind == "code":
                    lines += [
                        "```bash" if text.startswith(("ollama", "export")) else "```python",
                        text,
                        "```",
                        "",
                    ]
                elif kind == "list":
                    lines += [f"- {t}" for t in text.split("\n")] + [""]
                else:
                    lines += [text, ""]
        lines += ["## 關於作者", "", site.about, "", site.footer, ""]
        return "\n".join(lines)
    if site.fmt == "html":
        out = [
            "<!DOCTYPE html>",
            '<html lang="zh-Hant-TW">',
            "<head>",
            '<meta charset="utf-8">',
            f"<title>{title}｜{site.name}</title>",
            f'<meta name="author" content="{author}">',
            f'<meta name="keywords" content="{",".join(tags)}">',
            "</head>",
            "<body>",
            "<nav><ul>",
            *[f'<li><a href="/{i}.html">{n}</a></li>' for i, n in enumerate(site.nav)],
            "</ul></nav>",
            "<main><article>",
            f"<h1>{title}</h1>",
            f'<p class="meta">{date}．{author}</p>',
        ]
        for heading, items in sections:
            out.append(f"<h2>{heading}</h2>")
            for kind, text in items:
                if kind == "code":
                    out.append(f"<pre><code>{text.replace('&', '&amp;').replace('<', '&lt;')}</code></pre>")
                elif kind == "list":
                    out += ["<ul>", *[f"<li>{t}</li>" for t in text.split("\n")], "</ul>"]
                elif kind == "table":
                    rows = [r for r in text.split("\n") if not r.startswith("|---")]
                    out.append("<table>")
                    for r in rows:
                        cells = [c.strip() for c in r.strip("|").split("|")]
                        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
                    out.append("</table>")
                else:
                    out.append(f"<p>{text}</p>")
        out += [
            "</article></main>",
            f'<aside class="author"><h3>關於作者</h3><p>{site.about}</p></aside>',
            f"<footer><p>{site.footer}</p></footer>",
            "</body>",
            "</html>",
            "",
        ]
        return "\n".join(out)
    lines = [f"{site.name}｜{'｜'.join(site.nav)}", "", title, f"日期：{date}", f"紀錄：{author}", ""]
    for n, (heading, items) in enumerate(sections, start=1):
        lines += [f"{n}、{heading}", ""]
        for kind, text in items:
            if kind == "list":
                lines += [f"・{t}" for t in text.split("\n")]
                lines.append("")
            else:
                lines += [text, ""]
    lines += [site.about, "", site.footer, ""]
    return "\n".join(lines)


def make_document(vocab: Vocab, seed: int, index: int) -> tuple[str, str, Counter[str]]:
    """(relative path, file text, feature counts) of document ``index``; depends only on (seed, index)."""
    site = make_site(seed, index // SITE_SIZE)
    rng = random.Random(f"{seed}:doc:{index}")
    w = DocWriter(vocab, rng)
    lead = w.focus["MODEL"][0].name if w.focus.get("MODEL") else "大型語言模型"
    tool = w.focus["TOOL"][0].name if w.focus.get("TOOL") else "Ollama"
    title = rng.choice(
        (
            f"{lead} 實測筆記：搭配 {tool} 的部署心得",
            f"用 {tool} 跑 {lead} 的完整教學",
            f"{lead} 與 {tool} 入門：從安裝到上線",
            f"第 {index % 97 + 1} 期：{lead} 與 {tool} 的最新消息",
        )
    )
    # The boilerplate is about 400 characters; the rest is drawn so the whole file lands in 2–6k.
    target = rng.randint(MIN_CHARS, MAX_CHARS) - 700
    sections = w.sections(target)
    author = site.editor if rng.random() < 0.6 else w.person()
    date = f"20{rng.randint(23, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    tags = [lead, tool, rng.choice(("繁體中文", "本機部署", "RAG", "微調", "評測"))]
    text = render(site, title, author, date, tags, sections)
    stats = w.stats
    stats[f"fmt:{site.fmt}"] += 1
    path = f"{site.folder}/doc-{index:06d}{EXT[site.fmt]}"
    return path, text, stats


# -- questions -----------------------------------------------------------------------------------


def make_questions(vocab: Vocab, seed: int, per_mode: int = 30) -> dict[str, list[str]]:
    """Questions for the retrieval benchmark: entity (local), corpus-wide (global) and mixed (hybrid) ones."""
    rng = random.Random(f"{seed}:questions")

    def top(etype: str) -> Name:
        names = vocab.by_type[etype]
        return rng.choices(names, weights=vocab.weights[etype], k=1)[0]

    local_t = (
        "{m} 是什麼？",
        "{m} 由誰開發？",
        "{t} 和 {t2} 有什麼關係？",
        "{m} 可以在 {h} 上跑嗎？",
        "誰用 LoRA 微調過 {m}？",
        "{t} 支援哪些功能？",
    )
    global_t = (
        "這些文章的主要主題有哪些？",
        "整體來看，本機部署 LLM 有哪些趨勢？",
        "社群最常討論哪些工具？",
        "各站最常比較哪些模型？",
        "微調與量化相關的討論重點是什麼？",
        "文章中提到哪些硬體選擇？",
        "有哪些組織推出了開放模型？",
        "檢索增強生成的做法有哪些？",
        "大家怎麼評測繁體中文模型？",
        "部署服務時最常遇到什麼問題？",
    )
    hybrid_t = (
        "如何用 {t} 部署 {m}？",
        "{m} 在 {h} 上的推論速度如何？",
        "{c} 的實作步驟是什麼？",
        "{t} 整合了哪些工具？",
        "比較 {m} 和 {m2} 的優缺點",
        "在 {h} 上微調 {m} 需要多久？",
    )

    def fill(t: str) -> str:
        return t.format(
            m=top("MODEL").name,
            m2=top("MODEL").name,
            t=top("TOOL").name,
            t2=top("TOOL").name,
            h=top("HARDWARE").name,
            c=top("CONCEPT").name,
        )

    return {
        "local": [fill(rng.choice(local_t)) for _ in range(per_mode)],
        "global": [global_t[i % len(global_t)] for i in range(per_mode)],
        "hybrid": [fill(rng.choice(hybrid_t)) for _ in range(per_mode)],
    }


# -- driver --------------------------------------------------------------------------------------


def _write_range(args: tuple[int, int, int, str]) -> tuple[Counter[str], list[tuple[int, str, int, int]]]:
    """Worker: write documents [start, stop); return feature counts and (index, sha256, chars, bytes)."""
    seed, start, stop, out = args
    vocab = load_vocab(seed)
    total: Counter[str] = Counter()
    rows: list[tuple[int, str, int, int]] = []
    root = Path(out)
    for i in range(start, stop):
        rel, text, stats = make_document(vocab, seed, i)
        data = text.encode("utf-8")
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        total.update(stats)
        total["han_chars"] += len(_HAN.findall(text))
        rows.append((i, hashlib.sha256(data).hexdigest(), len(text), len(data)))
    return total, rows


def generate(docs: int, seed: int, out: Path, jobs: int = 1) -> dict[str, object]:
    """Write ``docs`` documents under ``out`` and return the manifest (also written to manifest.json)."""
    out.mkdir(parents=True, exist_ok=True)
    step = 500
    tasks = [(seed, s, min(docs, s + step), str(out)) for s in range(0, docs, step)]
    total: Counter[str] = Counter()
    rows: list[tuple[int, str, int, int]] = []
    if jobs > 1 and len(tasks) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for t, r in pool.map(_write_range, tasks):
                total.update(t)
                rows.extend(r)
    else:
        for task in tasks:
            t, r = _write_range(task)
            total.update(t)
            rows.extend(r)
    rows.sort()
    digest = hashlib.sha256("".join(h for _, h, _, _ in rows).encode()).hexdigest()
    chars = [c for _, _, c, _ in rows]
    manifest: dict[str, object] = {
        "docs": docs,
        "seed": seed,
        "sites": (docs + SITE_SIZE - 1) // SITE_SIZE,
        "site_size": SITE_SIZE,
        "chars": sum(chars),
        "han_chars": total.pop("han_chars", 0),
        "bytes": sum(b for _, _, _, b in rows),
        "min_chars": min(chars) if chars else 0,
        "max_chars": max(chars) if chars else 0,
        "formats": {k[4:]: v for k, v in sorted(total.items()) if k.startswith("fmt:")},
        "features": {k: v for k, v in sorted(total.items()) if not k.startswith("fmt:")},
        "sha256": digest,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    questions = make_questions(load_vocab(seed), seed)
    (out / "questions.json").write_text(json.dumps(questions, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, required=True, help="number of documents (1000, 10000, 100000)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, required=True, help="output folder (keep it outside the repository)")
    ap.add_argument(
        "--jobs", type=int, default=1, help="worker processes (output is identical for any value)"
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    manifest = generate(args.docs, args.seed, args.out, args.jobs)
    log.info(
        "wrote %d documents (%.1f MB, %d sites) to %s",
        args.docs,
        int(manifest["bytes"]) / 1e6,  # type: ignore[call-overload]
        manifest["sites"],
        args.out,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
