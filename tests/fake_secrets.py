"""Fake credentials of every kind zhkg redacts, assembled at run time so no real-looking key is committed.

Every value is cut in two and joined here (``"hf" + "_"``), so neither this file nor the
repository holds a literal token for push protection or secret scanners to flag.
"""

import base64

A = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789"
HEX = "0123456789abcdef"
B64 = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def fake(prefix: str, n: int, alphabet: str = A) -> str:
    return prefix + (alphabet * 8)[:n]


# Bare tokens: each is found on its own, anywhere in a sentence, as exactly one redaction.
CASES = [
    ("huggingface_token", fake("hf" + "_", 34)),
    ("huggingface_token", fake("api" + "_org_", 34)),
    ("openai_key", fake("sk" + "-", 48)),
    ("openai_key", fake("sk-" + "proj-", 40, A + "_-")),
    ("openai_key", fake("sk-" + "ant-api03-", 60, A + "_-")),
    ("github_token", fake("gh" + "p_", 36)),
    ("github_token", fake("gh" + "s_", 36)),
    ("github_token", fake("github" + "_pat_", 60, A + "_")),
    ("gitlab_token", fake("gl" + "pat-", 20, A + "_-")),
    ("aws_access_key", fake("AK" + "IA", 16, UPPER)),
    ("aws_access_key", fake("AS" + "IA", 16, UPPER)),
    ("slack_token", fake("xo" + "xb-", 30, "0123456789-abcdef")),
    ("slack_webhook", "https://hooks.slack" + ".com/services/T0" + "1ABCDEF/B01ABCDEF/" + fake("", 24)),
    ("google_api_key", fake("AI" + "za", 35, A + "_-")),
    ("google_oauth_token", fake("ya" + "29.", 60, A + "_-")),
    ("stripe_key", fake("sk" + "_live_", 24)),
    ("stripe_key", fake("sk" + "_test_", 24)),
    ("stripe_key", fake("rk" + "_live_", 24)),
    ("stripe_key", fake("wh" + "sec_", 32)),
    ("npm_token", fake("np" + "m_", 36)),
    ("pypi_token", fake("pyp" + "i-AgEIcHlwaS5vcmc", 60, A + "_-")),
    ("sendgrid_key", "SG" + "." + fake("", 22) + "." + fake("", 43, A + "_-")),
    ("groq_key", fake("gs" + "k_", 52)),
    ("replicate_token", fake("r8" + "_", 37)),
    (
        "jwt",
        "ey"
        + "JhbGciOiJIUzI1NiJ9.ey"
        + "JzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ),
]

# Values that are secrets because of what stands before them: (kind, line with {} for the value,
# value). Values without digits are on purpose: a password needs none.
_BASIC = base64.b64encode(("ad" + "min:" + "Zq9xLm2p").encode()).decode()
LABELLED = [
    ("password", "password: {}", "hunter" + "horse"),
    ("password", "密碼：{}", "Zq9" + "xLm2p!"),
    ("password", "密码 = {}", "Zq9" + "xLm2p"),
    ("password", "口令：{}", "tiger" + "lily"),
    ("password", "**Password**: {}", "mellon" + "friend"),
    ("password", "DB_PASSWORD={}", "correct" + "horse"),
    ("password", '"passwd": "{}",', "open sesame" + " 42"),
    ("password", "dbPassword := {}", "Wq7" + "eRt5y"),
    ("password", "Server=db;User Id=sa;Password={};Database=app", "P@ss w0rd" + "99"),
    ("password", "Driver={ODBC Driver 18};Uid=sa;Pwd={};", "Zq9" + "xLm2p"),
    ("assigned_secret", "token: {}", fake("", 40, HEX)),
    ("assigned_secret", "secret={}", fake("", 44, B64)),
    ("assigned_secret", 'OPENAI_API_KEY="{}"', "Zx9" + "q" * 10 + "7Lm"),
    ("assigned_secret", "api key：{}", fake("", 32, HEX)),
    ("assigned_secret", "apikey: {}", fake("", 24, "AbCdEfGhIjKlMnOpQrSt")),
    ("assigned_secret", "client_secret = '{}'", fake("", 32, A)),
    ("assigned_secret", "access_key: {}", fake("", 32, A)),
    ("assigned_secret", "金鑰＝{}", fake("", 32, HEX)),
    ("assigned_secret", "存取權杖: {}", fake("", 36, A)),
    ("assigned_secret", "令牌={}", fake("", 36, A)),
    ("assigned_secret", "密鑰：{}", fake("", 36, A)),
    ("aws_secret_key", "AWS Secret Key: {}", fake("", 40, B64)),
    ("aws_secret_key", "aws_secret_access_key = {}", fake("", 40, B64)),
    ("bearer_token", "Authorization: Bearer {}", fake("", 40, A + "-._~")),
    ("bearer_token", "curl -H 'Bearer {}' https://api.example.com", fake("", 32, A)),
    ("basic_auth", "Authorization: Basic {}", _BASIC),
    (
        "azure_key",
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={};EndpointSuffix=core.windows.net",
        fake("", 86, B64) + "==",
    ),
    (
        "azure_key",
        "Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey={}",
        fake("", 43, B64) + "=",
    ),
    (
        "azure_sas",
        "BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature={}",
        "sv=2022-11-02&ss=b&sig=" + fake("", 40, B64),
    ),
    (
        "azure_sas",
        "https://a.blob.core.windows.net/c/f.txt?sv=2022-11-02&sp=r&sig={}",
        fake("", 30, A) + "%2B" + "x9",
    ),
    ("url_password", "postgresql://admin:{}@db.internal:5432/app", "pa@ss" + "w0rd9"),
    ("url_password", "連線 redis://default:{}@cache.internal:6379/0 請勿外流", "tiger" + "lily"),
]

# Ordinary text that looks a little like the above and must come back unchanged.
PROSE = [
    "密碼：請向管理員索取",
    "password: <your password>",
    "token: YOUR_TOKEN",
    "api key：在設定頁取得",
    "API 金鑰：請到 Azure 入口網站複製",
    "Password: choose a strong one",
    "Token: 詞元是模型處理文字的單位",
    "token 數量 4096，max_tokens: 4096，tokens: 128",
    "token_url: https://login.example.com/oauth2/token",
    "tokenizer: bert-base-chinese",
    "secretName: my-tls-secret",
    "pwd = os.getcwd()",
    "PWD=/home/user",
    "`pwd` 指令會印出目前目錄",
    "client = OpenAI(api_key=api_key, base_url=url)",
    'api_key = os.environ["OPENAI_API_KEY"]',
    'api_key="not-needed"',
    "OPENAI_API_KEY=foundry-local-prod",
    "password: str",
    "password=None",
    "token: string | undefined",
    "secret: ${{ secrets.GH_TOKEN }}",
    "export TOKEN=$TOKEN",
    "password: %DB_PASSWORD%",
    "password: ****",
    "password: xxxxxxxx",
    "password: your-password-here",
    "api_key: sk-...",
    "Bearer token 驗證",
    "Bearer authentication is a scheme",
    "Authorization: Bearer <token>",
    "Authorization: Bearer $TOKEN",
    "mongodb://<user>:<password>@cluster.example.net",
    "postgres://user:password@localhost/db",
    "https://host.example.com:8080/path?q=1",
    "寄信到 someone@example.com",
    "密碼學：研究加密與解密",
    "令牌桶演算法：用於限流",
    "AccountKey=<your-storage-key>",
    "?sig=abc",
    "<p>a &amp; b &lt;c&gt;&nbsp;d &#169; 2024</p>",
    "normal **bold** text, __init__, a*b, `code` and ~~gone~~",
    "用 sk-learn 與 scikit-learn 比較；模型 llama3.1:70b-instruct-fp16 與 BAAI/bge-large-zh-v1.5",
]
