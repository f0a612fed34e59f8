"""PDF and DOCX reading (issue 13): files are written at test time with reportlab and python-docx."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

import docx
import pytest
from fake_docs import make_pdf
from pypdf import PdfWriter

from extract import clean, office
from extract.load import Found, SkipFile, discover, load_file

PAGES = [
    "第一頁：臺灣的大型語言模型 Breeze-7B 由聯發科創新基地開發。",
    "第二頁：檢索增強生成把外部知識接到模型上，回答時附上來源。",
    "第三頁：用 Ollama 在筆電上跑 Llama 3.1 做本機推論。",
]


def _write(tmp_path: Path, name: str, data: bytes) -> Found:
    p = tmp_path / name
    p.write_bytes(data)
    return Found(str(p), p.resolve())


def _body(text: str) -> str:
    """The text after the front matter, which clean.parse strips before anything else."""
    return re.sub(r"\A---\n.*?\n---\n", "", text, count=1, flags=re.S)


# -- PDF -----------------------------------------------------------------------------------------


def test_pdf_pages_are_separated_by_form_feeds(tmp_path: Path) -> None:
    data = make_pdf(PAGES, title="模型筆記", author="林怡君")
    loaded = load_file(_write(tmp_path, "notes.pdf", data), 10**6)
    assert loaded.fmt == "pdf" and loaded.encoding == "pdf"
    assert loaded.raw_hash == hashlib.sha256(data).hexdigest() and loaded.size_bytes == len(data)
    pages = _body(loaded.text).split("\f")
    assert [p.strip() for p in pages] == PAGES  # page N is the text after the (N-1)-th form feed
    parsed = clean.parse(loaded.text, loaded.fmt)
    assert parsed.title == "模型筆記" and parsed.author == "林怡君"
    assert parsed.date  # the creation date reportlab wrote


def test_a_blank_page_keeps_the_page_numbers_of_the_pages_after_it(tmp_path: Path) -> None:
    loaded = load_file(_write(tmp_path, "gap.pdf", make_pdf([PAGES[0], "", PAGES[2]])), 10**6)
    pages = _body(loaded.text).split("\f")
    assert len(pages) == 3 and pages[1] == "" and pages[2].strip() == PAGES[2]
    assert "title:" not in loaded.text and "author:" not in loaded.text  # reportlab's placeholders dropped


def test_a_page_that_fails_to_extract_is_empty_and_the_rest_survive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pypdf import PageObject

    real = PageObject.extract_text
    fail_all = False

    def flaky(self: PageObject, *args: object, **kwargs: object) -> str:
        text = real(self, *args, **kwargs)  # type: ignore[arg-type]
        if "第二頁" in text or fail_all:
            raise ValueError("bad font program")
        return text

    monkeypatch.setattr(PageObject, "extract_text", flaky)
    loaded = load_file(_write(tmp_path, "flaky.pdf", make_pdf(PAGES)), 10**6)
    assert [p.strip() for p in _body(loaded.text).split("\f")] == [PAGES[0], "", PAGES[2]]
    fail_all = True
    with pytest.raises(SkipFile, match=r"^broken PDF \(no page could be read\)$"):
        load_file(_write(tmp_path, "flaky.pdf", make_pdf(PAGES)), 10**6)


@pytest.mark.parametrize(
    "pages",
    [["", "", ""], ["12", "13", "14"], ["Page 1 of 3", "", "Page 3"]],
    ids=["blank", "numbers", "footer"],
)
def test_a_pdf_without_a_text_layer_is_skipped_as_scanned(tmp_path: Path, pages: list[str]) -> None:
    with pytest.raises(SkipFile, match=r"^no text layer \(scanned PDF; OCR is not enabled\)$"):
        load_file(_write(tmp_path, "scan.pdf", make_pdf(pages)), 10**6)


def test_blank_pdf_written_by_pypdf_is_skipped(tmp_path: Path) -> None:
    w = PdfWriter()
    w.add_blank_page(595, 842)
    buf = io.BytesIO()
    w.write(buf)
    with pytest.raises(SkipFile, match="no text layer"):
        load_file(_write(tmp_path, "blank.pdf", buf.getvalue()), 10**6)


def test_text_layer_rule() -> None:
    words = "大型語言模型的應用越來越多"
    assert office.has_text_layer([words])
    assert office.has_text_layer([words] + [""] * 9)  # one page in ten has text
    assert not office.has_text_layer([words] + [""] * 10)
    assert not office.has_text_layer(["第 1 頁"] * 5)
    assert not office.has_text_layer([])


def _encrypted(user: str, algorithm: str) -> bytes:
    w = PdfWriter(clone_from=io.BytesIO(make_pdf(PAGES)))
    w.encrypt(user_password=user, owner_password="owner" + "-only", algorithm=algorithm)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_a_pdf_that_needs_a_password_is_skipped(tmp_path: Path, algorithm: str) -> None:
    with pytest.raises(SkipFile, match=r"^encrypted PDF \(needs a password\)$"):
        load_file(_write(tmp_path, "locked.pdf", _encrypted("pass" + "word", algorithm)), 10**6)


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-128", "AES-256"])
def test_a_pdf_with_only_an_owner_password_is_read(tmp_path: Path, algorithm: str) -> None:
    loaded = load_file(_write(tmp_path, "restricted.pdf", _encrypted("", algorithm)), 10**6)
    assert [p.strip() for p in _body(loaded.text).split("\f")] == PAGES


@pytest.mark.parametrize("cut", [0.5, 0.9, 0.1])
def test_a_truncated_pdf_is_skipped(tmp_path: Path, cut: float) -> None:
    data = make_pdf(PAGES)
    with pytest.raises(SkipFile, match=r"^broken PDF"):
        load_file(_write(tmp_path, "cut.pdf", data[: int(len(data) * cut)]), 10**6)


def test_garbage_named_pdf_is_skipped(tmp_path: Path) -> None:
    with pytest.raises(SkipFile, match=r"^broken PDF"):
        load_file(_write(tmp_path, "fake.pdf", "這不是 PDF".encode()), 10**6)


def test_pdf_respects_the_size_limit(tmp_path: Path) -> None:
    data = make_pdf(PAGES)
    with pytest.raises(SkipFile, match="too large"):
        load_file(_write(tmp_path, "notes.pdf", data), len(data) - 1)
    assert load_file(_write(tmp_path, "notes.pdf", data), len(data)).fmt == "pdf"


def test_pdf_behind_a_suffixless_symlink_is_recognised_by_content(tmp_path: Path) -> None:
    blob = tmp_path / "blob"
    blob.write_bytes(make_pdf(PAGES))
    (tmp_path / "report").symlink_to(blob)
    found, problems = discover([tmp_path / "report"])
    assert not problems
    loaded = load_file(found[0], 10**6)
    assert loaded.fmt == "pdf" and PAGES[1] in loaded.text


def test_docx_behind_a_suffixless_symlink_is_recognised_by_content(tmp_path: Path) -> None:
    blob = tmp_path / "blob"
    blob.write_bytes(_docx())
    (tmp_path / "minutes").symlink_to(blob)
    found, _ = discover([tmp_path / "minutes"])
    loaded = load_file(found[0], 10**6)
    assert loaded.fmt == "markdown" and loaded.encoding == "docx" and "# 本機推論" in loaded.text


def test_discover_finds_pdf_and_docx(tmp_path: Path) -> None:
    for name in ("a.pdf", "b.PDF", "c.docx", "d.doc"):
        (tmp_path / name).write_bytes(b"x")
    found, problems = discover([tmp_path])
    assert sorted(Path(f.given).name for f in found) == ["a.pdf", "b.PDF", "c.docx"] and not problems


# -- DOCX ----------------------------------------------------------------------------------------


def _docx(build: object = None) -> bytes:
    d = docx.Document()
    d.core_properties.title = "本機推論筆記"
    d.core_properties.author = "王小明"
    d.add_heading("本機推論", level=1)
    d.add_paragraph("用 Ollama 在筆電上跑 Llama 3.1，效果很好。")
    d.add_heading("量化", level=2)
    d.add_paragraph("# 這一行不是標題，*星號* 與 <b>角括號</b> 都是作者打的字。")
    d.add_paragraph("GGUF 格式", style="List Bullet")
    d.add_paragraph("AWQ 格式", style="List Bullet")
    table = d.add_table(rows=3, cols=3)
    for r, row in enumerate(
        [["模型", "大小", "備註"], ["Breeze-7B", "7B", "聯發科"], ["Qwen2.5", "|14B|", ""]]
    ):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(2, 1).merge(table.cell(2, 2))
    d.add_paragraph("表格之後的段落。")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_becomes_markdown_with_headings_lists_and_tables(tmp_path: Path) -> None:
    data = _docx()
    loaded = load_file(_write(tmp_path, "notes.docx", data), 10**6)
    assert loaded.fmt == "markdown" and loaded.encoding == "docx"
    assert loaded.raw_hash == hashlib.sha256(data).hexdigest() and loaded.size_bytes == len(data)
    body = _body(loaded.text)
    assert body.index("# 本機推論") < body.index("## 量化") < body.index("| 模型 | 大小 | 備註 |")
    assert body.index("| 模型 |") < body.index("表格之後的段落。")  # paragraphs and tables in order
    parsed = clean.parse(loaded.text, loaded.fmt)
    assert parsed.title == "本機推論筆記" and parsed.author == "王小明"
    kinds = [(b.kind, b.text) for b in parsed.blocks]
    assert ("heading", "本機推論") in kinds and ("heading", "量化") in kinds
    assert ("paragraph", "# 這一行不是標題，*星號* 與 <b>角括號</b> 都是作者打的字。") in kinds
    assert ("item", "GGUF 格式") in kinds and ("item", "AWQ 格式") in kinds
    assert "| Qwen2.5 | \\|14B\\| |  |" in body  # merged cell once, columns aligned, pipes escaped
    rows = [t for k, t in kinds if k == "row"]
    assert rows[:2] == ["模型 | 大小 | 備註", "Breeze-7B | 7B | 聯發科"]
    assert rows[2].split(" | ")[:2] == ["Qwen2.5", "|14B|"] and rows[2].count("14B") == 1
    para = next(b for b in parsed.blocks if b.text.startswith("用 Ollama"))
    assert para.heading == "本機推論"


def test_a_truncated_docx_is_skipped(tmp_path: Path) -> None:
    data = _docx()
    with pytest.raises(SkipFile, match=r"^broken DOCX"):
        load_file(_write(tmp_path, "cut.docx", data[: len(data) // 2]), 10**6)


def test_a_zip_that_is_not_a_word_document_is_skipped(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "不是 Word 檔")
    with pytest.raises(SkipFile, match="not a Word document"):
        load_file(_write(tmp_path, "other.docx", buf.getvalue()), 10**6)


def test_an_encrypted_or_legacy_word_file_is_skipped(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    with pytest.raises(SkipFile, match="encrypted or legacy Word file"):
        load_file(_write(tmp_path, "locked.docx", ole), 10**6)


def test_a_docx_that_unpacks_to_gigabytes_is_refused_before_parsing(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_docx())) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            z.writestr(item, src.read(item))
        z.writestr("word/media/bomb.bin", b"\x00" * (40 * 1024 * 1024))
    data = buf.getvalue()
    assert len(data) < 10**6
    with pytest.raises(SkipFile, match=r"unpacks to 40\.\d MiB \(limit 16\.0 MiB\)"):
        load_file(_write(tmp_path, "bomb.docx", data), 10**6)


def test_an_empty_docx_is_skipped(tmp_path: Path) -> None:
    buf = io.BytesIO()
    docx.Document().save(buf)
    with pytest.raises(SkipFile, match="empty document"):
        load_file(_write(tmp_path, "empty.docx", buf.getvalue()), 10**6)
