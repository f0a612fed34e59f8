import os
from pathlib import Path

import pytest

from extract.load import Found, SkipFile, decode, discover, load_file

TRAD = "大型語言模型在臺灣的應用越來越多，我們用 Ollama 在筆電上跑 Llama 3.1，效果很好。"
SIMP = "大语言模型在中国的应用越来越多，我们用检索增强生成搭配知识图谱，效果很好。"


def _found(p: Path) -> Found:
    return Found(str(p), p.resolve())


def test_utf8_with_and_without_bom(tmp_path: Path) -> None:
    a = tmp_path / "a.md"
    a.write_bytes(TRAD.encode("utf-8"))
    b = tmp_path / "b.md"
    b.write_bytes(b"\xef\xbb\xbf" + TRAD.encode("utf-8"))
    la, lb = load_file(_found(a), 10**6), load_file(_found(b), 10**6)
    assert la.text == lb.text == TRAD
    assert la.encoding == "utf-8" and lb.encoding == "utf-8-sig"


def test_big5_is_detected() -> None:
    text, enc = decode(TRAD.encode("big5"))
    assert enc == "big5"
    assert text == TRAD


def test_gb18030_is_detected() -> None:
    text, enc = decode(SIMP.encode("gb18030"))
    assert enc == "gb18030"
    assert text == SIMP


def test_utf16_with_bom() -> None:
    text, enc = decode(TRAD.encode("utf-16"))
    assert text == TRAD and enc == "utf-16"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"   \n\t\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (bytes(range(128, 256)) * 8, "not"),
    ],
)
def test_bad_files_are_skipped_with_a_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    p = tmp_path / "bad.md"
    p.write_bytes(content)
    with pytest.raises(SkipFile, match=reason):
        load_file(_found(p), 10**6)


def test_oversize_file_is_skipped(tmp_path: Path) -> None:
    p = tmp_path / "big.txt"
    p.write_text("字" * 5000, encoding="utf-8")
    with pytest.raises(SkipFile, match="too large"):
        load_file(_found(p), 1000)


def test_unreadable_file_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "secret.md"
    p.write_text(TRAD, encoding="utf-8")
    real_open = os.open

    def denied(path: str, flags: int, *args: int) -> int:
        if str(path) == str(p.resolve()):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    # root can read anything, so the refusal is simulated at the one call that opens files
    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(SkipFile, match="permission denied"):
        load_file(_found(p), 10**6)


def test_a_folder_is_not_opened_as_a_file(tmp_path: Path) -> None:
    d = tmp_path / "folder.md"
    d.mkdir()
    with pytest.raises(SkipFile, match=r"not a regular file \(a folder\)"):
        load_file(_found(d), 10**6)


def test_discover_walks_folders_and_reports_odd_paths(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    names_in = ("a.md", "sub/b.html", "sub/c.txt", ".hidden/d.md", "e.png", "f.markdown", "g.HTM", "h.pdf")
    for name in names_in:
        (tmp_path / name).write_text("x", encoding="utf-8")
    found, problems = discover([tmp_path, tmp_path / "e.png", tmp_path / "missing.md", tmp_path / "a.md"])
    names = sorted(Path(f.given).name for f in found)
    assert names == ["a.md", "b.html", "c.txt", "f.markdown", "g.HTM", "h.pdf"]  # a.md once, hidden skipped
    reasons = dict(problems)
    assert "unsupported" in reasons[str(tmp_path / "e.png")]
    assert reasons[str(tmp_path / "missing.md")] == "no such file or folder"  # ingest counts it as failed
    assert len(problems) == 2


def test_discover_of_dot_gives_relative_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.md").write_text(TRAD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    found, problems = discover(["."])
    assert [f.given for f in found] == ["sub/x.md"] and not problems
    assert found[0].real == (tmp_path / "sub" / "x.md").resolve()


def test_oversize_message_counts_mib(tmp_path: Path) -> None:
    p = tmp_path / "big.txt"
    p.write_bytes(b"a" * (3 * 1024 * 1024))
    with pytest.raises(SkipFile, match=r"^too large \(3\.0 MiB > limit 2\.0 MiB\)$"):
        load_file(_found(p), 2 * 1024 * 1024)
