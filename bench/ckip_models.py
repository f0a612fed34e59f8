"""Tiny random CKIP-shaped BERT models, built locally, so the CKIP path can be timed offline.

Why random weights: the real CKIP models (~400 MB each) cannot be downloaded
here, and the benchmark measures the pipeline's plumbing around the model
(splitting, batching, three driver passes, offset mapping), not accuracy. The
shapes follow the tests' fixture: word segmentation (B/I), POS, and NER with
BIES labels, so ckip-transformers runs its real code. A 1-layer, 16-wide model
costs far less per token than bert-base: a GPU/CPU row measured with it is a
floor for the plumbing, not the real model's throughput.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

# Characters the synthetic corpus uses most; the rest map to [UNK], which the model handles the same way.
TEXT_CHARS = (
    "臺灣大型語言模型由聯發科創新基地開發是以為基礎的講者林怡君分享在上訓練整合了我們用跑本機"
    "中研院詞庫小組提供斷詞與命名實體辨識工具可以處理繁體中文文章。，！？；：「」（）"
    "微調一種常被拿來做問答摘要翻譯推論速度快記憶體相比支援設定之後就能直接使用推出目前社群持續維護"
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-:/"
)


def build(root: Path, name: str, labels: list[str], hidden: int = 16, layers: int = 1) -> Path:
    """Write one BertForTokenClassification with ``labels`` and a character vocabulary under ``root/name``."""
    import torch
    from transformers import BertConfig, BertForTokenClassification, BertTokenizerFast

    out = root / name
    out.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *dict.fromkeys(TEXT_CHARS)]
    (out / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    torch.manual_seed(7)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=2 * hidden,
        max_position_embeddings=512,
        id2label=dict(enumerate(labels)),
        label2id={lab: i for i, lab in enumerate(labels)},
    )
    model = BertForTokenClassification(config)
    with torch.no_grad():  # make "O" rare so random weights still produce entities to map back
        model.classifier.bias.zero_()
        if "O" in labels:
            model.classifier.bias[labels.index("O")] = -5.0
    model.save_pretrained(out)
    # transformers 5 ignores vocab_file in the constructor: load from the folder instead.
    BertTokenizerFast.from_pretrained(out).save_pretrained(out)
    return out


def build_all(root: Path) -> dict[str, Path]:
    """The three models the CKIP path loads (ws, pos, ner)."""
    ner_labels = ["O"] + [f"{b}-{t}" for t in ("ORG", "PERSON", "PRODUCT") for b in "BIES"]
    models = {
        "ws": build(root, "ws", ["B", "I"]),
        "pos": build(root, "pos", ["Na", "Nb", "VC", "COMMACATEGORY", "PERIODCATEGORY"]),
        "ner": build(root, "ner", ner_labels),
    }
    log.info("built tiny CKIP models under %s", root)
    return models
