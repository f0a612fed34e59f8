"""The junk filter: candidate names that are never entities.

A graph full of 系統/方法/``href``/``2024`` is worse than a smaller one, so every
candidate from patterns or CKIP passes through :func:`junk_reason` (lexicon
entries are trusted and skip it).
"""

from __future__ import annotations

import re
from functools import lru_cache

from extract.normalize import HAN_RE, match_key

# Generic Chinese words that name a kind of thing, not a thing. Domain methods (微調, 量化, 蒸餾,
# 檢索) are not among them: for people writing about AI they are the concepts they write about.
GENERIC_ZH = frozenset(
    """
    系統 方法 問題 資料 模型 工具 技術 功能 應用 服務 平台 框架 套件 函式庫
    程式 程式碼 檔案 文件 文章 內容 資訊 數據 結果 效果 部分 方式 流程 步驟
    設定 參數 版本 使用者 用戶 開發者 團隊 公司 社群 專案 計畫 項目 架構 介面
    環境 伺服器 電腦 機器 硬體 軟體 網站 網頁 頁面 時間 成本 速度 效能 品質
    能力 任務 場景 情況 需求 目標 經驗 問答 答案 回答 問題 結論 介紹 說明
    範例 例子 教學 筆記 心得 重點 今天 明天 昨天 現在 以後 之前 之後 大家
    我們 你們 他們 這個 那個 一個 這些 那些 什麼 怎麼 如何 為什麼 語言模型 大模型
    小模型 新模型 基礎模型 原始模型 開放模型 本地模型 中文模型 預訓練模型 深度學習模型
    學習 生成 識別 辨識
    演算法 網路 標註 大學 公司 實驗室 研究院
    """.split()  # noqa: SIM905
)

# Markup, code and web words that leak from HTML/Markdown and code blocks.
MARKUP = frozenset(
    """
    html head body div span p a li ul ol tr td th table thead tbody nav main footer header
    article section aside script style meta link href src class id rel alt img br hr h1 h2 h3
    h4 h5 h6 em strong code pre blockquote iframe svg button input form label option select
    textarea charset viewport utf utf-8 doctype http https www com org net io md html css js
    json yaml yml xml csv txt pdf png jpg gif svg md5 sha256 localhost onclick const let var
    function return import from def class self true false null none nan undefined print
    console log async await lambda
    """.split()  # noqa: SIM905
)

_NUMBERISH = re.compile(
    r"^[\d\s.,%+\-×x/:]+$|^\d+(?:\.\d+)?\s*(?:[KMGT]i?B|[BMKT]|bit|位元|億|萬|兆|千|百|倍|%|ms|秒|分|天|年|月|日|度|張|個|台|筆|字)?$",
    re.I,
)
_ONLY_PUNCT = re.compile(r"^[\W_]+$")
_HAN = HAN_RE


@lru_cache(maxsize=100_000)
def junk_reason(surface: str) -> str:
    """Why ``surface`` is not an entity name, or "" when it may be one (cached: names repeat)."""
    s = surface.strip()
    if not s:
        return "empty"
    if _ONLY_PUNCT.match(s):
        return "punctuation"
    if _NUMBERISH.match(s):
        return "number"
    if len(s) == 1 or (len(match_key(s)) < 2):
        return "single character"
    low = s.casefold()
    if low in MARKUP:
        return "markup"
    if (
        "://" in s
        or s.startswith("www.")
        or "@" in s
        or low.endswith((".html", ".htm", ".php", ".com", ".git"))
    ):
        return "url"
    key = match_key(s)
    if key in _GENERIC_KEYS:
        return "generic word"
    if _HAN.search(s) and len(s) > 12:
        return "too long"
    return ""


_GENERIC_KEYS = frozenset(match_key(w) for w in GENERIC_ZH)


def is_junk(surface: str) -> bool:
    return bool(junk_reason(surface))
