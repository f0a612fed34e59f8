"""Secrets in file names and paths are replaced; the rest of the path stays readable."""

import pytest
from fake_secrets import CASES, fake

from extract.records import Redaction
from extract.redact import redact_name

STRIPE = fake("sk" + "_live_", 24)
GITHUB = fake("gh" + "p_", 36)
HF = fake("hf" + "_", 34)


def test_token_inside_a_file_name() -> None:
    assert redact_name(f"notes-{STRIPE}.md") == (
        "notes-[REDACTED:stripe_key].md",
        (Redaction(kind="stripe_key", line=0),),
    )


def test_token_as_a_folder() -> None:
    assert redact_name(f"{GITHUB}/readme.md")[0] == "[REDACTED:github_token]/readme.md"


def test_several_components_and_windows_separators() -> None:
    name, found = redact_name(f"C:\\data\\{HF}\\backup_{GITHUB}.txt")
    assert name == "C:\\data\\[REDACTED:huggingface_token]\\backup_[REDACTED:github_token].txt"
    assert [r.kind for r in found] == ["huggingface_token", "github_token"]


def test_disguised_token_in_a_name() -> None:
    assert redact_name("keys/ｈｆ＿" + HF[3:] + ".txt")[0] == "keys/[REDACTED:huggingface_token].txt"


@pytest.mark.parametrize(("kind", "secret"), [(k, s) for k, s in CASES if "/" not in s])
def test_every_token_kind_in_a_name(kind: str, secret: str) -> None:
    name, found = redact_name(f"docs/export-{secret}-v2.md")
    assert name == f"docs/export-[REDACTED:{kind}]-v2.md" or (
        # a token that may end in "-" swallows the "-v2" that follows it
        name == f"docs/export-[REDACTED:{kind}].md"
    )
    assert secret not in name and [r.kind for r in found] == [kind]


@pytest.mark.parametrize(
    "name",
    [
        "setup.sh",
        "docs/CH20.md",
        "BAAI/bge-large-zh-v1.5/README.md",
        "sk-learn-notes.md",
        "task-sk-short.md",
        "password-reset-guide.md",
        "token_usage.md",
        "模型/量化筆記.md",
        "",
    ],
)
def test_ordinary_names_are_untouched(name: str) -> None:
    assert redact_name(name) == (name, ())
