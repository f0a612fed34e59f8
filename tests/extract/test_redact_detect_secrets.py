"""Second opinion: detect-secrets (Yelp, default plugins and filters) finds nothing in redacted output.

It must find the same fixtures before redaction, which shows this test can fail.
"""

from pathlib import Path

from detect_secrets import SecretsCollection
from detect_secrets.settings import default_settings
from fake_secrets import CASES, LABELLED

from extract.redact import redact


def _corpus() -> str:
    begin = "-----BEGIN " + "RSA PRIVATE KEY-----"
    lines = [f"第 {i} 個設定值 {secret} 不要外流。" for i, (_, secret) in enumerate(CASES)]
    lines += [template.replace("{}", value) for _, template, value in LABELLED]
    lines += [
        f"{begin}\nMIIEowIBAAKCAQEA7{'x' * 60}\n-----END RSA PRIVATE KEY-----",
        "export AWS_SECRET_ACCESS_KEY=" + "abcdEFGH1234/+abcd" + "EFGH1234/+abcdEFGH1234",
        'api_key = "' + "0123456789abcdef" + "0123456789abcdef" + '"',
        "password = '" + "hunter2" + "xyz'",
    ]
    return "\n".join(lines) + "\n"


def _findings(path: Path) -> list[tuple[str, int]]:
    with default_settings():
        secrets = SecretsCollection()
        secrets.scan_file(str(path))
        return sorted((s.type, s.line_number) for f in secrets.files for s in secrets[f])


def test_detect_secrets_finds_the_fixtures_before_and_nothing_after(tmp_path: Path) -> None:
    raw = _corpus()
    (tmp_path / "raw.md").write_text(raw, encoding="utf-8")
    redacted, found = redact(raw)
    (tmp_path / "redacted.md").write_text(redacted, encoding="utf-8")

    before = _findings(tmp_path / "raw.md")
    kinds = {t for t, _ in before}
    assert len({line for _, line in before}) >= 12, before
    assert {"AWS Access Key", "GitHub Token", "JSON Web Token", "Private Key", "Slack Token"} <= kinds, kinds
    assert _findings(tmp_path / "redacted.md") == []
    assert len(found) == len(CASES) + len(LABELLED) + 4
