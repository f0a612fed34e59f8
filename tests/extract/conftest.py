"""Tiny random CKIP-shaped models built locally, so the real ckip-transformers code runs offline."""

from __future__ import annotations

from pathlib import Path

import pytest

TEXT_CHARS = (
    "臺灣大型語言模型由聯發科創新基地開發是以為基礎的講者林怡君分享在上訓練整合了我們用跑本機"
    "中研院詞庫小組提供斷詞與命名實體辨識工具可以處理繁體中文文章。，！？；：「」（）"
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-:/"
)


def _build(root: Path, name: str, labels: list[str]) -> Path:
    import torch
    from transformers import BertConfig, BertForTokenClassification, BertTokenizerFast

    out = root / name
    out.mkdir()
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *dict.fromkeys(TEXT_CHARS)]
    (out / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    torch.manual_seed(7)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=512,
        id2label=dict(enumerate(labels)),
        label2id={lab: i for i, lab in enumerate(labels)},
    )
    model = BertForTokenClassification(config)
    with torch.no_grad():  # make "O" rare so that random weights still produce entities
        model.classifier.bias.zero_()
        if "O" in labels:
            model.classifier.bias[labels.index("O")] = -5.0
    model.save_pretrained(out)
    # transformers 5 ignores vocab_file in the constructor: load from the folder instead.
    tok = BertTokenizerFast.from_pretrained(out)
    tok.save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def tiny_ckip_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("ckip-models")
    ner_labels = ["O"] + [f"{b}-{t}" for t in ("ORG", "PERSON", "PRODUCT") for b in "BIES"]
    return {
        "ws": _build(root, "ws", ["B", "I"]),
        "pos": _build(root, "pos", ["Na", "Nb", "VC", "COMMACATEGORY", "PERIODCATEGORY"]),
        "ner": _build(root, "ner", ner_labels),
    }
