"""Every secret kind is replaced; fixtures are assembled at run time so no real-looking key is committed."""

import unicodedata

import pytest
from fake_secrets import CASES, HEX, LABELLED, PROSE, A, fake

from extract.records import Redaction
from extract.redact import _normalised_view, is_placeholder, normalised, redact


@pytest.mark.parametrize(("kind", "secret"), CASES)
def test_each_kind_is_redacted(kind: str, secret: str) -> None:
    text = f"設定範例：\n請把金鑰 {secret} 放在環境變數裡，不要寫進程式碼。"
    out, found = redact(text)
    assert secret not in out
    assert f"[REDACTED:{kind}]" in out
    assert [(r.kind, r.line) for r in found] == [(kind, 2)]
    assert out.startswith("設定範例：\n請把金鑰 ") and out.endswith(" 放在環境變數裡，不要寫進程式碼。")


@pytest.mark.parametrize(("kind", "template", "value"), LABELLED)
def test_each_labelled_value_is_redacted(kind: str, template: str, value: str) -> None:
    text = "第一行\n" + template.replace("{}", value) + "\n最後一行"
    out, found = redact(text)
    assert out == "第一行\n" + template.replace("{}", f"[REDACTED:{kind}]") + "\n最後一行"
    assert found == (Redaction(kind=kind, line=2),)


@pytest.mark.parametrize("text", PROSE)
def test_prose_and_placeholders_are_untouched(text: str) -> None:
    out, found = redact(text)
    assert out == text and found == ()


def test_pem_private_key_block() -> None:
    begin = "-----BEGIN " + "RSA PRIVATE KEY-----"
    body = "MIIEowIBAAKCAQEA7" + "x" * 60
    text = f"金鑰如下\n{begin}\n{body}\n-----END RSA PRIVATE KEY-----\n後面的文字"
    out, found = redact(text)
    assert body not in out and "PRIVATE KEY" not in out
    assert found[0].kind == "private_key" and found[0].line == 2
    assert out.endswith("後面的文字")


def test_openssh_key_without_end_is_redacted_to_the_end() -> None:
    text = "前言\n-----BEGIN OPENSSH " + "PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n（檔案被截斷）"
    out, found = redact(text)
    assert out == "前言\n[REDACTED:private_key]" and found[0].line == 2


def test_password_in_url_keeps_user_and_host() -> None:
    pw = "hunter2" + "Secret9"
    out, found = redact(f"連線字串 postgresql://admin:{pw}@db.example.internal:5432/app 請勿外流")
    assert pw not in out
    assert "postgresql://admin:[REDACTED:url_password]@db.example.internal:5432/app" in out
    assert found[0].kind == "url_password"


def test_url_password_runs_to_the_last_at_before_the_host() -> None:
    pw = "pa@ss" + "@w0rd"
    text = f"DSN mysql://root:{pw}@db.internal:3306/app?user=a@b#frag@x 結束"
    out, _ = redact(text)
    assert out == "DSN mysql://root:[REDACTED:url_password]@db.internal:3306/app?user=a@b#frag@x 結束"


def test_url_user_may_hold_an_at_sign() -> None:
    out, _ = redact("https://me@corp.example:" + "Zq9x" + "Lm2p@git.example/repo.git")
    assert out == "https://me@corp.example:[REDACTED:url_password]@git.example/repo.git"


def test_url_without_password_is_untouched() -> None:
    for text in ("https://user@host.example/path", "https://host.example:8443/a@b", "ftp://:@host/"):
        assert redact(text) == (text, ())


def test_assigned_secret_value() -> None:
    value = "Zx9" + "q" * 10 + "7Lm"
    out, _ = redact(f'OPENAI_API_KEY="{value}"\nmax_tokens: 4096')
    assert value not in out and "max_tokens: 4096" in out


def test_passwords_need_no_digits_but_keys_must_look_machine_made() -> None:
    assert redact("password: tigerlily")[0] == "password: [REDACTED:password]"
    assert redact("密碼：tigerlily")[0] == "密碼：[REDACTED:password]"
    # a key or token label needs a digit, both cases or a base64 symbol
    assert redact("token: tigerlilyrose")[1] == ()
    assert redact("token: tigerLilyRose")[0] == "token: [REDACTED:assigned_secret]"
    assert redact("secret: " + fake("", 40, HEX))[0] == "secret: [REDACTED:assigned_secret]"


def test_minimum_lengths() -> None:
    assert redact("password: abc")[1] == ()
    assert redact("password: abcd")[0] == "password: [REDACTED:password]"
    assert redact("token: Ab3defg")[1] == ()
    assert redact("token: Ab3defgh")[0] == "token: [REDACTED:assigned_secret]"


def test_a_label_ends_an_identifier_but_does_not_start_one() -> None:
    value = "Zq9" + "xLm2pQ7"
    for label in ("DB_PASSWORD", "dbPassword", "password2", "HF_TOKEN", "x-api-key", "AZURE_OPENAI_API_KEY"):
        assert redact(f"{label}={value}")[0] == f"{label}=[REDACTED:" + (
            "password]" if "assword" in label.lower() else "assigned_secret]"
        ), label
    for label in ("passwordless", "mypassword", "tokens", "token_type", "apikeys", "OLDPWD"):
        assert redact(f"{label}={value}") == (f"{label}={value}", ()), label


def test_code_references_are_not_values() -> None:
    for text in (
        "password = getpass.getpass()",
        "token = request.headers['X-Token']",
        "password = cfg.password",
        "api_key: process.env.OPENAI_API_KEY",
        "db(password=secret_value, user=u)",
        "const token = accessToken;",
        'password: "{{ vault_password }}"',
    ):
        assert redact(text) == (text, ()), text


def test_placeholder_rule_both_sides() -> None:
    for v in (
        "<your password>",
        "$DB_PASSWORD",
        "${TOKEN}",
        "%PW%",
        "{token}",
        "[REDACTED:x]",
        "****",
        "xxxxxxxx",
        "your-api-key",
        "my_password",
        "YOUR_TOKEN",
        "example",
        "changeme_here",
        "os.environ",
        "self.token",
        "api_key",
        "None",
        "string",
        "/run/secrets/db",
        "./secret.txt",
        "https://vault.example/x",
        "...",
        "not-needed",
    ):
        assert is_placeholder(v), v
    for v in ("hunter2", "tigerlily", "Zq9xLm2p", "P@ssw0rd", "correcthorse", "s3cr3t-v4lue", "mysql2024"):
        assert not is_placeholder(v), v


def test_bearer_and_basic() -> None:
    tok = fake("", 30, A)
    assert (
        redact(f"-H 'Authorization: Bearer {tok}'")[0] == "-H 'Authorization: Bearer [REDACTED:bearer_token]'"
    )
    assert redact("Bearer authentication is common")[1] == ()
    assert redact("Authorization: Basic YWJjZGVmZ2g=")[1] == ()  # decodes without a colon
    assert redact("Authorization: Basic dXNlcjpwYXNz")[0] == "Authorization: Basic [REDACTED:basic_auth]"


def test_line_numbers_for_several_secrets() -> None:
    a, b = fake("hf" + "_", 34), fake("AI" + "za", 35, A + "_-")
    out, found = redact(f"第一行\n{a}\n第三行\n\n第五行 {b}")
    assert [(r.kind, r.line) for r in found] == [("huggingface_token", 2), ("google_api_key", 5)]
    assert a not in out and b not in out


def test_line_numbers_count_original_newlines_not_decoded_ones() -> None:
    hf = fake("hf" + "_", 34)
    text = "a&#10;b&#10;c\n第二行 hf&#95;" + hf[3:] + "\n第三行"
    out, found = redact(text)
    assert out == "a&#10;b&#10;c\n第二行 [REDACTED:huggingface_token]\n第三行"
    assert found == (Redaction(kind="huggingface_token", line=2),)


def test_ordinary_technical_text_is_untouched() -> None:
    text = (
        "用 sk-learn 與 scikit-learn 比較；模型 llama3.1:70b-instruct-fp16 與 BAAI/bge-large-zh-v1.5，"
        "網址 https://example.com/path?q=1，token 數量 4096，task-id AKIA 不完整。"
    )
    out, found = redact(text)
    assert out == text and found == ()


def test_text_without_secrets_comes_back_as_the_same_object() -> None:
    for text in (*PROSE, "普通的文字", "<p>&amp;&lt;&#95;&#x5f;</p>", "a\u200bb ｆｕｌｌ"):
        assert redact(text)[0] is text


def test_view_is_only_built_for_disguises() -> None:
    for text in ("普通的文字，有 **粗體**、a_b、`code`、https://x.example/ 與 & 符號，；：", "x" * 1000, ""):
        assert _normalised_view(text) is None, text
    for text in ("a&#95;b", "a\\_b", "a\u200bb", "ａｂ", "a**b**c", "a<wbr>b", "a__b__c"):
        assert _normalised_view(text) is not None, text


def test_normalised_view_examples() -> None:
    assert normalised("hf&#95;x &#x5f; &lowbar; &amp;#95;") == "hf_x _ _ _"
    assert normalised("sk\\-proj\\-x") == "sk-proj-x"
    assert normalised("hf_**abc**def ~~x~~y a`b`c h___i__j") == "hf_abcdef ~~xy abc h_ij"
    assert normalised("a\u200b\u200c\u200d\u2060\ufeff\u00ad\U000e0041b") == "ab"
    assert normalised("ｈｆ＿ＡＢＣ　１２３") == "hf_ABC 123"
    assert normalised("a<b>b</b>c<wbr>d") == "abcd"


def test_every_format_character_is_dropped_from_the_view() -> None:
    cf = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"]
    assert len(cf) > 150
    kept = [f"U+{ord(c):04X}" for c in cf if normalised("a" + c + "b") != "ab"]
    assert kept == []


def test_whole_original_span_is_replaced_disguises_included() -> None:
    hf = fake("hf" + "_", 34)
    disguised = "h\u200bf&#95;" + hf[3:10] + "**" + hf[10:20] + "**" + hf[20:]
    text = "前文 &amp; 說明 " + disguised + " 後文 &lt;b&gt;"
    out, found = redact(text)
    assert out == "前文 &amp; 說明 [REDACTED:huggingface_token] 後文 &lt;b&gt;"
    assert [r.kind for r in found] == ["huggingface_token"]


def test_entities_in_ordinary_html_stay_as_they_are() -> None:
    tok = fake("gh" + "p_", 36)
    html = f"<p>Tom &amp; Jerry &lt;3 &nbsp;&copy;</p>\n<code>{tok}</code>\n<p>&quot;引號&quot;</p>"
    out, _ = redact(html)
    assert out == html.replace(tok, "[REDACTED:github_token]")
    assert out.startswith("<p>Tom &amp; Jerry &lt;3 &nbsp;&copy;</p>\n<code>[REDACTED:")


def test_redaction_is_idempotent() -> None:
    once, _ = redact("key " + fake("gh" + "p_", 36))
    twice, found = redact(once)
    assert twice == once and found == ()


def test_redaction_is_idempotent_for_every_fixture() -> None:
    lines = [f"值 {s} 結束" for _, s in CASES] + [t.replace("{}", v) for _, t, v in LABELLED]
    once, found = redact("\n".join(lines))
    assert len(found) == len(lines)
    assert redact(once) == (once, ())
