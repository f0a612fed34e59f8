"""The benchmark's edit step changes the corpus as it says (50 edited, 25 added, 10 removed) and
puts it back byte for byte, so a later suite run measures the same corpus."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench import edit  # noqa: E402
from bench.synth import generate  # noqa: E402


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


def test_edits_are_what_they_say_and_are_undone(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    generate(100, 7, corpus)
    before = _tree(corpus)
    plan = edit.apply_edits(corpus, 7, tmp_path / "backup")
    after = _tree(corpus)
    assert (len(plan["edited"]), len(plan["added"]), len(plan["removed"])) == (50, 25, 10)
    changed = {k for k in before if k in after and before[k] != after[k]}
    assert len(changed) == 50 and len(set(before) - set(after)) == 10 and len(set(after) - set(before)) == 25
    assert all(Path(p).is_file() for p in plan["added"])
    edit.restore(corpus, tmp_path / "backup", plan)
    assert _tree(corpus) == before
