"""Every secret kind is replaced; fixtures are assembled at run time so no real-looking key is committed."""

import pytest
from fake_secrets import CASES, A, fake

from extract.redact import redact


@pytest.mark.parametrize(("kind", "secret"), CASES)
def test_each_kind_is_redacted(kind: str, secret: str) -> None:
    text = f"設定範例：\n請把金鑰 {secret} 放在環境變數裡，不要寫進程式碼。"
    out, found = redact(text)
    assert secret not in out
    assert f"[REDACTED:{kind}]" in out
    assert [(r.kind, r.line) for r in found] == [(kind, 2)]
    assert out.startswith("設定範例：\n請把金鑰 ") and out.endswith(" 放在環境變數裡，不要寫進程式碼。")


def test_pem_private_key_block() -> None:
    begin = "-----BEGIN " + "RSA PRIVATE KEY-----"
    body = "MIIEowIBAAKCAQEA7" + "x" * 60
    text = f"金鑰如下\n{begin}\n{body}\n-----END RSA PRIVATE KEY-----\n後面的文字"
    out, found = redact(text)
    assert body not in out and "PRIVATE KEY" not in out
    assert found[0].kind == "private_key" and found[0].line == 2
    assert out.endswith("後面的文字")


def test_password_in_url_keeps_user_and_host() -> None:
    pw = "hunter2" + "Secret9"
    out, found = redact(f"連線字串 postgresql://admin:{pw}@db.example.internal:5432/app 請勿外流")
    assert pw not in out
    assert "postgresql://admin:[REDACTED:url_password]@db.example.internal:5432/app" in out
    assert found[0].kind == "url_password"


def test_assigned_secret_value() -> None:
    value = "Zx9" + "q" * 10 + "7Lm"
    out, _ = redact(f'OPENAI_API_KEY="{value}"\nmax_tokens: 4096')
    assert value not in out and "max_tokens: 4096" in out


def test_line_numbers_for_several_secrets() -> None:
    a, b = fake("hf" + "_", 34), fake("AI" + "za", 35, A + "_-")
    out, found = redact(f"第一行\n{a}\n第三行\n\n第五行 {b}")
    assert [(r.kind, r.line) for r in found] == [("huggingface_token", 2), ("google_api_key", 5)]
    assert a not in out and b not in out


def test_ordinary_technical_text_is_untouched() -> None:
    text = (
        "用 sk-learn 與 scikit-learn 比較；模型 llama3.1:70b-instruct-fp16 與 BAAI/bge-large-zh-v1.5，"
        "網址 https://example.com/path?q=1，token 數量 4096，task-id AKIA 不完整。"
    )
    out, found = redact(text)
    assert out == text and found == ()


def test_redaction_is_idempotent() -> None:
    once, _ = redact("key " + fake("gh" + "p_", 36))
    twice, found = redact(once)
    assert twice == once and found == ()
