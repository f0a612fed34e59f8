"""No entry in a folder can stall or crash discovery or loading (issue 14).

Every test puts a good file beside the bad entry and checks the good one is still found and
loaded; the timeout marks make a regression that blocks (opening a FIFO) fail instead of hang.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from extract.load import Found, SkipFile, discover, load_file, printable_path, read_bounded

GOOD = "檢索增強生成把外部知識接到大型語言模型上，回答時附上來源。"
pytestmark = pytest.mark.timeout(20)


def _good(folder: Path, name: str = "good.md") -> Path:
    p = folder / name
    p.write_text(GOOD, encoding="utf-8")
    return p


def _found_names(found: list[Found]) -> list[str]:
    return sorted(Path(f.given).name for f in found)


def _load_all(found: list[Found], max_bytes: int = 10**6) -> tuple[list[str], list[str]]:
    """(loaded texts, skip reasons); any other exception fails the test."""
    texts: list[str] = []
    reasons: list[str] = []
    for f in found:
        try:
            texts.append(load_file(f, max_bytes).text)
        except SkipFile as exc:
            reasons.append(str(exc))
    return texts, reasons


# -- special files -------------------------------------------------------------------------------


def test_fifo_is_skipped_without_being_opened(tmp_path: Path) -> None:
    _good(tmp_path)
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)  # no writer: a plain open() for reading would block forever
    found, problems = discover([tmp_path])
    assert _found_names(found) == ["good.md"]
    assert dict(problems) == {str(fifo): "not a regular file (a named pipe (FIFO))"}
    with pytest.raises(SkipFile, match="named pipe"):
        load_file(Found(str(fifo), fifo), 10**6)
    assert _load_all(found) == ([GOOD], [])


def test_fifo_swapped_in_after_the_check_is_caught_by_fstat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race guard: stat says "regular file", but what is opened is a FIFO."""
    regular = _good(tmp_path)
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    real_stat = os.stat

    def lying_stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        target = regular if os.fspath(path) == str(fifo) else path  # type: ignore[call-overload]
        return real_stat(target, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "stat", lying_stat)
    with pytest.raises(SkipFile, match="named pipe"):
        read_bounded(fifo, 10**6)


def test_socket_is_skipped(tmp_path: Path) -> None:
    _good(tmp_path)
    path = tmp_path / "s.txt"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(str(path))
        found, problems = discover([tmp_path, path])
        assert _found_names(found) == ["good.md"]
        assert [r for _, r in problems] == ["not a regular file (a socket)"] * 2
    finally:
        sock.close()


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_symlink_to_a_device_is_skipped(tmp_path: Path, device: str) -> None:
    if not os.path.exists(device):
        pytest.fail(f"{device} is expected on Linux")
    _good(tmp_path)
    link = tmp_path / "endless.txt"
    link.symlink_to(device)
    found, problems = discover([tmp_path, link])
    assert _found_names(found) == ["good.md"]
    assert [r for _, r in problems] == ["not a regular file (a character device)"] * 2
    with pytest.raises(SkipFile, match="character device"):
        load_file(Found(str(link), Path(device)), 10**6)


# -- bounded reads -------------------------------------------------------------------------------


def test_read_stops_at_the_limit_whatever_stat_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "grows.txt"
    big.write_bytes(b"a" * 50_000)
    real_stat, real_fstat = os.stat, os.fstat

    def small(st: os.stat_result) -> os.stat_result:
        fields = list(st)
        fields[6] = 10  # st_size: the file claims to be tiny (a file still being written, /proc…)
        return os.stat_result(fields)

    monkeypatch.setattr(os, "stat", lambda p, *a, **k: small(real_stat(p, *a, **k)))
    monkeypatch.setattr(os, "fstat", lambda fd: small(real_fstat(fd)))
    reads: list[int] = []
    real_read = os.read

    def counting_read(fd: int, n: int) -> bytes:
        reads.append(n)
        return real_read(fd, n)

    monkeypatch.setattr(os, "read", counting_read)
    with pytest.raises(SkipFile, match=r"grew past the limit of 1,000 bytes"):
        read_bounded(big, 1000)
    assert sum(reads) <= 1001


def test_size_limit_in_mib(tmp_path: Path) -> None:
    p = tmp_path / "big.md"
    p.write_bytes(b"x" * (5 * 1024 * 1024 + 1))
    with pytest.raises(SkipFile, match=r"too large \(5\.0 MiB > limit 4\.0 MiB\)"):
        load_file(Found(str(p), p), 4 * 1024 * 1024)


# -- symlinks ------------------------------------------------------------------------------------


def test_symlink_loops_and_dangling_links_are_skipped_per_entry(tmp_path: Path) -> None:
    _good(tmp_path)
    (tmp_path / "a.md").symlink_to(tmp_path / "b.md")
    (tmp_path / "b.md").symlink_to(tmp_path / "a.md")
    (tmp_path / "self.txt").symlink_to(tmp_path / "self.txt")
    (tmp_path / "gone.md").symlink_to(tmp_path / "deleted.md")
    found, problems = discover([tmp_path, tmp_path / "a.md", tmp_path / "gone.md"])
    assert _found_names(found) == ["good.md"]
    reasons = sorted(problems)
    assert reasons == sorted(
        [
            (str(tmp_path / "a.md"), "symlink loop"),
            (str(tmp_path / "a.md"), "symlink loop"),
            (str(tmp_path / "b.md"), "symlink loop"),
            (str(tmp_path / "self.txt"), "symlink loop"),
            (str(tmp_path / "gone.md"), "dangling symlink (its target does not exist)"),
            (str(tmp_path / "gone.md"), "dangling symlink (its target does not exist)"),
        ]
    )
    # a Found built by a caller that did not go through discover must not raise either
    with pytest.raises(SkipFile, match="symlink loop"):
        load_file(Found("a.md", tmp_path / "a.md"), 10**6)
    with pytest.raises(SkipFile, match="dangling symlink"):
        load_file(Found("gone.md", tmp_path / "gone.md"), 10**6)


def test_symlink_named_md_to_a_blob_without_suffix_loads_as_markdown(tmp_path: Path) -> None:
    blob = tmp_path / "store" / "8f3a"
    blob.parent.mkdir()
    blob.write_text("# 標題\n\n" + GOOD, encoding="utf-8")
    (tmp_path / "notes.md").symlink_to(blob)
    found, problems = discover([tmp_path / "notes.md"])
    assert not problems
    loaded = load_file(found[0], 10**6)
    assert loaded.fmt == "markdown" and GOOD in loaded.text
    # and a Found whose given name has no suffix either: a reason, not KeyError('')
    with pytest.raises(SkipFile, match="unsupported file type"):
        load_file(Found(str(blob), blob), 10**6)


def test_suffixless_symlink_to_suffixless_file(tmp_path: Path) -> None:
    blob = tmp_path / "blob"
    blob.write_text(GOOD, encoding="utf-8")
    html = tmp_path / "page"
    html.write_text("<!DOCTYPE html><html><body><p>" + GOOD + "</p></body></html>", encoding="utf-8")
    (tmp_path / "link").symlink_to(blob)
    (tmp_path / "hlink").symlink_to(html)
    _good(tmp_path)
    found, problems = discover([tmp_path])  # walking: suffixless entries are not candidates
    assert _found_names(found) == ["good.md"] and not problems
    found, problems = discover([tmp_path / "link", tmp_path / "hlink"])  # named: sniffed by content
    assert not problems and len(found) == 2
    with pytest.raises(SkipFile, match="unsupported file type"):
        load_file(found[0], 10**6)  # plain text is never guessed
    assert load_file(found[1], 10**6).fmt == "html"


def test_allowed_root_rejects_symlinks_that_leave_it(tmp_path: Path) -> None:
    root = tmp_path / "upload"
    outside = tmp_path / "private"
    root.mkdir()
    outside.mkdir()
    _good(root)
    secret = _good(outside, "secret.md")
    (root / "inside.md").symlink_to(root / "good.md")
    (root / "escape.md").symlink_to(secret)
    (root / "dir").symlink_to(outside, target_is_directory=True)  # folder links are never entered
    found, problems = discover([root], allowed_root=root)
    assert [f.real for f in found] == [(root / "good.md").resolve()]  # inside.md is the same file
    assert problems == [(str(root / "escape.md"), "symlink leads outside the allowed folder")]
    found, problems = discover([secret, outside], allowed_root=root)
    assert not found
    assert [r for _, r in problems] == [
        "file lies outside the allowed folder",
        "folder lies outside the allowed folder",
    ]
    # without a root, the CLI's default: symlinks are followed
    found, problems = discover([root])
    assert {f.real for f in found} == {(root / "good.md").resolve(), secret.resolve()} and not problems


# -- names ---------------------------------------------------------------------------------------


@pytest.fixture
def bytes_names(tmp_path: Path) -> Iterator[Path]:
    """A folder holding a file and a folder whose names are Big5 bytes, i.e. not UTF-8."""
    base = os.fsencode(tmp_path)
    bad_file = base + b"/" + "筆記".encode("big5") + b".md"
    bad_dir = base + b"/" + "資料".encode("big5")
    with open(bad_file, "wb") as fh:
        fh.write(GOOD.encode("utf-8"))
    os.mkdir(bad_dir)
    with open(bad_dir + b"/inner.md", "wb") as fh:
        fh.write(GOOD.encode("utf-8"))
    yield tmp_path


def test_non_utf8_names_are_skipped_with_a_printable_reason(bytes_names: Path) -> None:
    _good(bytes_names)
    found, problems = discover([bytes_names])
    assert _found_names(found) == ["good.md"]
    assert len(problems) == 2
    for path, reason in problems:
        path.encode("utf-8")  # printable: no surrogate escapes left
        assert "\\x" in path and "not valid UTF-8" in reason
    explicit = os.fsdecode(os.fsencode(bytes_names) + b"/" + "筆記".encode("big5") + b".md")
    found, problems = discover([explicit])
    assert not found and "not valid UTF-8" in problems[0][1]
    assert problems[0][0] == printable_path(explicit) == str(bytes_names) + "/\\xb5\\xa7\\xb0O.md"


def test_control_characters_in_names_never_reach_a_message(tmp_path: Path) -> None:
    _good(tmp_path)
    forged = "x\nskipped: passwd too large\nz.md"
    (tmp_path / forged).write_text(GOOD, encoding="utf-8")
    (tmp_path / "esc\x1b[31mred.txt").write_text(GOOD, encoding="utf-8")
    os.mkfifo(tmp_path / "pipe\t\r.md")
    found, problems = discover([tmp_path])
    shown = [f.given for f in found] + [p for p, _ in problems]
    assert len(shown) == 4
    for s in shown:
        assert s.isprintable(), s
    assert str(tmp_path / "x\\nskipped: passwd too large\\nz.md") in shown
    assert str(tmp_path / "esc\\x1b[31mred.txt") in shown
    assert problems == [(str(tmp_path / "pipe\\t\\r.md"), "not a regular file (a named pipe (FIFO))")]
    texts, reasons = _load_all(found)  # loaded through their real paths
    assert texts == [GOOD] * 3 and not reasons


def test_a_name_with_a_nul_character_is_a_reason_not_a_crash(tmp_path: Path) -> None:
    good = _good(tmp_path)
    found, problems = discover([str(tmp_path / "a\x00b.md"), good])
    assert [f.real for f in found] == [good.resolve()]
    assert problems == [(str(tmp_path / "a\\x00b.md"), "invalid file name (contains a NUL character)")]
    with pytest.raises(SkipFile, match="NUL"):
        load_file(Found("x.md", tmp_path / "a\x00b.md"), 10**6)


def test_printable_path() -> None:
    assert (
        printable_path("筆記/大型語言模型　入門.md") == "筆記/大型語言模型　入門.md"
    )  # ideographic space kept
    assert printable_path("a\nb\tc\x1bd\x7f") == "a\\nb\\tc\\x1bd\\x7f"
    assert printable_path("evil\u202etxt.md") == "evil\\u202etxt.md"  # bidi override shown, not obeyed
    assert printable_path("line\u2028sep") == "line\\u2028sep"
    assert printable_path(os.fsdecode(b"caf\xe9.md")) == "caf\\xe9.md"


def test_a_zoo_of_bad_entries_never_stops_discovery_or_loading(tmp_path: Path) -> None:
    """Everything at once, with the good files checked at the end."""
    sub = tmp_path / "sub"
    sub.mkdir()
    _good(tmp_path)
    _good(sub, "also.txt")
    os.mkfifo(sub / "fifo.md")
    (sub / "zero.md").symlink_to("/dev/zero")
    (sub / "loop.md").symlink_to(sub / "loop.md")
    (sub / "gone.html").symlink_to(sub / "nowhere.html")
    (sub / "empty.md").write_bytes(b"")
    (sub / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (sub / "fake.pdf").write_bytes(b"%PDF-1.7\n garbage")
    (sub / "fake.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (sub / "nl\nname.md").write_text(GOOD, encoding="utf-8")
    found, problems = discover([tmp_path])
    assert len(problems) == 4  # fifo, zero, loop, gone
    texts, reasons = _load_all(found)
    assert texts == [GOOD] * 3  # good.md, also.txt, the newline name
    assert len(reasons) == 4 and all("\n" not in r for r in reasons)
