#!/usr/bin/env python3
"""Regenerate ``extract/lexicon/_generated.yaml``: lexicon breadth from names that maintained packages ship.

The curated lexicon (the other ``extract/lexicon/*.yaml`` files) knows a few hundred names well;
this script adds thousands more, read offline from data that installed packages carry (nothing is
downloaded; no package is asked to go online):

- ``transformers``: every model type of the auto-configuration mapping → MODEL, displayed in the
  spelling its own source files use most (``distilbert`` → DistilBERT, ``phi3`` → Phi-3); the
  checkpoints its docstrings name (``org/name``) → MODEL with the architecture as family; the
  third-party packages it checks for, its logging integrations and quantisation methods → TOOL.
- ``litellm``: its bundled model price/context list → MODEL, with provider prefixes, regions,
  dates and quantisation suffixes stripped and variants pointed at the nearest known family; its
  provider list and logging integrations → ORG (companies) or TOOL (products, platforms).
- ``lm-eval`` (lm-evaluation-harness): its task folders → DATASET (README title, folder name and the
  Hugging Face dataset ids the task configs load).
- ``trove-classifiers``: the ``Framework ::`` classifiers of the package index → TOOL.

The lexicon is matched case-insensitively over text with separators dropped, so a name that is an
ordinary word would fire on prose. ``wordfreq`` decides (Zipf frequency in English: 3.0 is about
once per million words): a one-word name at or above :data:`COMMON_WORD` (:data:`COMMON_SHORT` for
three characters) is dropped, so is a name made only of common words (each at or above
:data:`COMMON_PHRASE_WORD`) or a common word plus a number (``Step 3``: :data:`COMMON_WITH_NUMBER`);
also names shorter than three characters, version strings, names the curated files already know
(curated always wins, and the loader reads this file first because ``_`` sorts before letters), and
aliases two generated entries would share. The output is sorted and depends only on the installed
package versions (recorded in the header) and the curated files.

Usage (from the repository root)::

    .venv/bin/python scripts/lexicon/generate.py            # rewrite extract/lexicon/_generated.yaml
    .venv/bin/python scripts/lexicon/generate.py --check    # exit 1 if the file is not up to date
    .venv/bin/python scripts/lexicon/generate.py --report   # also print what was filtered, and why
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata as md
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from extract.lexicon import SHIPPED_DIR, parse_entries  # noqa: E402
from extract.normalize import match_key  # noqa: E402

OUTPUT = SHIPPED_DIR / "_generated.yaml"
COMMAND = ".venv/bin/python scripts/lexicon/generate.py"
# Distributions whose data is read, and the filter's; their versions go into the header.
SOURCE_PACKAGES = ("transformers", "litellm", "lm-eval", "trove-classifiers")
FILTER_PACKAGES = ("wordfreq",)

# wordfreq thresholds (Zipf frequency in English, "large" list); see the module notes.
COMMON_WORD = 3.0  # a name with its own casing (BEiT, OLMo, LIBRA) is a name below this
COMMON_PLAIN = 2.5  # a plain lower-case or Capitalised word needs to be rarer ("generative" is 2.8)
COMMON_SHORT = 2.0  # three-character keys collide with acronyms and abbreviations far more often
COMMON_PHRASE_WORD = 3.8
COMMON_WITH_NUMBER = 4.0
COMMON_RUN_TOGETHER = 5.5  # both halves of a one-part name ("be" + "it")
MIN_KEY_LEN = 3

TYPE_ORDER = ("MODEL", "DATASET", "TOOL", "ORG")
DEFAULT_TYPE = "MODEL"


# -- candidates ----------------------------------------------------------------------------------


@dataclass
class Cand:
    """One generated name before filtering: where it came from and every spelling seen."""

    name: str
    type: str
    source: str  # section of the output: "transformers: model types", "litellm: models", ...
    aliases: list[str] = field(default_factory=list)
    family: str = ""  # a surface of the family (resolved to that entry's name at the end)
    forms: Counter[str] = field(default_factory=Counter)  # surfaces seen, for choosing the name


@dataclass
class Report:
    """What the filter removed, by reason, for ``--report``."""

    dropped: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    dealiased: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def drop(self, reason: str, what: str) -> None:
        self.dropped[reason].append(what)

    def dealias(self, reason: str, what: str) -> None:
        self.dealiased[reason].append(what)


def _dist_file(dist: str, rel: str) -> Path:
    """A file inside an installed distribution (``rel`` relative to its site-packages root)."""
    d = md.distribution(dist)
    return Path(str(d.locate_file(rel)))


# -- the common-word filter ----------------------------------------------------------------------


@cache
def zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word.casefold(), "en", wordlist="large"))


_SEGMENT_SPLIT = re.compile(r"[\s\-_/:]+")
_PLAIN_NUMBER = re.compile(r"^v?\d+(?:\.\d+)*$", re.I)
_VERSION_ONLY = re.compile(r"^(?:v|version)?\d+(?:\.\d+)*[a-z]?$")
_WORD_THEN_NUMBER = re.compile(r"^([A-Za-z]+)(v?\d+(?:\.\d+)*)$")


# Words of technical prose that general-English frequencies rate rare, seen among the candidates.
_NOT_NAMES = {"arithmetic", "modelrouter", "paraphrase", "redact", "sycophancy", "toxicity", "unscramble"}


def _run_together(key: str) -> bool:
    """Whether ``key`` is two very common words written together (the view drops the space)."""
    limit = COMMON_RUN_TOGETHER
    return any(zipf(key[:i]) >= limit and zipf(key[i:]) >= limit for i in range(2, len(key) - 1))


def segments(name: str) -> list[str]:
    """The parts of a name between separators (``Step-3.7-Flash`` → Step, 3.7, Flash)."""
    return [s for s in _SEGMENT_SPLIT.split(name) if s]


def common_reason(name: str) -> str:
    """Why ``name`` must not be a lexicon key ("" when it may be).

    Judged on the parts between separators, because those are what ordinary prose could
    contain one after the other: ``OpenRouter`` is one rare word, ``deep-research`` two common
    ones. A part is a common word at Zipf >= :data:`COMMON_WORD` on its own (three letters:
    :data:`COMMON_SHORT`), at >= :data:`COMMON_PHRASE_WORD` among others; an acronym of two to
    four capitals (``AI`` in ``Together AI``), a part mixing letters and digits or a rare word
    makes a name distinctive.
    """
    key = match_key(name)
    letters = sum(c.isalpha() for c in key)
    if len(key) < MIN_KEY_LEN:
        return "shorter than 3 characters"
    if letters == 0:
        return "a number"
    if _VERSION_ONLY.match(key) or letters < 2:
        return "a version string"
    if key in _NOT_NAMES:
        return "a technical word, not a name"
    if key.isalpha():
        plain = name.islower() or (name[:1].isupper() and name[1:].islower())
        limit = COMMON_SHORT if len(key) <= 3 else COMMON_PLAIN if plain else COMMON_WORD
        if zipf(key) >= limit:
            return "a common English word"
    segs = segments(name)
    if len(segs) == 1 and key.isalpha() and _run_together(key):
        return "two common words run together"  # "BEiT" is "be it" once spaces are dropped
    if len(segs) == 1:
        m = _WORD_THEN_NUMBER.match(segs[0])
        if m and not m.group(1).isupper() and zipf(m.group(1)) >= COMMON_WITH_NUMBER:
            return "a common word and a number"  # "Step3"
        return ""
    words = 0
    for seg in segs:
        if _PLAIN_NUMBER.match(seg) or len(seg) == 1:
            continue
        if not seg.isalpha() or (seg.isupper() and len(seg) <= 4):
            return ""  # "c4ai", "GPT", "AI": distinctive
        if zipf(seg) < COMMON_PHRASE_WORD:
            return ""  # a rare word
        words += 1
    numbers = sum(bool(_PLAIN_NUMBER.match(seg)) for seg in segs)
    if words == 0:
        return "a version string"
    if numbers == 0:
        return "only common English words"  # "deep-research", "Big Bird", "Command R"
    if words == 1:
        return "a common word and a number"  # "Step 3", "Phase 2"
    return ""


# -- transformers --------------------------------------------------------------------------------

# Model types that are wrappers or composites, not model families.
_TF_SKIP = {
    "auto",
    "encoder-decoder",
    "speech-encoder-decoder",
    "vision-encoder-decoder",
    "vision-text-dual-encoder",
    "timm_backbone",
    "timm_wrapper",
}
_TF_SUBMODEL = re.compile(
    r"_(?:text|vision|audio|speech)(?:_model|_encoder|_decoder)?$|_(?:encoder|decoder|qformer)$"
)


def _tf_forms(stem: str, text: str) -> Counter[str]:
    """Spellings of ``stem`` (case, hyphens, underscores, one space between parts) in ``text``."""
    key = re.sub(r"[\s\-_]", "", stem.lower())
    if not key:
        return Counter()
    pat = r"(?<![A-Za-z0-9_\-.])" + r"[\-_ ]?".join(re.escape(c) for c in key) + r"(?![A-Za-z0-9_])"
    return Counter(re.findall(pat, text, flags=re.IGNORECASE))


def _display(forms: Counter[str], fallback: str) -> str:
    """The name to show: the most frequent spelling with a capital and no underscore."""
    good = [(n, f) for f, n in forms.items() if "_" not in f and any(c.isupper() for c in f) and f.strip()]
    if not good:
        return dotted_version(fallback.strip("_")).replace("_", "-")  # Qwen3_5 → Qwen3.5
    good.sort(key=lambda nf: (-nf[0], nf[1].isupper(), "-" not in nf[1] and " " not in nf[1], nf[1]))
    return good[0][1]


def transformers_cands() -> Iterator[Cand]:
    from transformers.models.auto import configuration_auto as ca

    names: dict[str, str] = dict(ca.CONFIG_MAPPING_NAMES)
    special: dict[str, str] = dict(ca.SPECIAL_MODEL_TYPE_TO_MODULE_NAME)
    models_dir = _dist_file("transformers", "transformers/models")
    for mtype in sorted(names):
        module = special.get(mtype, mtype.replace("-", "_"))
        if module != mtype.replace("-", "_") or mtype in _TF_SKIP or _TF_SUBMODEL.search(mtype):
            continue  # a sub-configuration of another model (its text or vision tower, ...)
        cls = names[mtype]
        stem = cls[: -len("Config")] if cls.endswith("Config") else cls
        mdir = models_dir / module
        text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(mdir.glob("*.py")))
        forms = _tf_forms(stem, text) + _tf_forms(mtype, text)
        forms[stem] += 0
        name = _display(forms, stem)
        aliases = [mtype, stem]
        yield Cand(name, "MODEL", "transformers: model types", aliases, family=_parent_id(mtype))
        for ckpt in sorted(set(_CKPT.findall(text))):
            short = ckpt.partition("/")[2]
            base = re.sub(r"[-_](hf|HF)$", "", short)
            yield Cand(base, "MODEL", "transformers: checkpoints", [ckpt, short], family=name)
    # Third-party packages transformers integrates with (import names), reporting integrations,
    # quantisation methods.
    iu = _dist_file("transformers", "transformers/utils/import_utils.py").read_text(encoding="utf-8")
    for pkg in sorted(set(re.findall(r'_is_package_available\(\s*"([^"]+)"', iu))):
        if "." in pkg or pkg in _TF_PACKAGE_SKIP:
            continue
        name, aliases = _TF_PACKAGE_NAMES.get(pkg, (pkg.replace("_", "-"), []))
        yield Cand(name, "TOOL", "transformers: integrated packages", [pkg, *aliases])
    integ = _dist_file("transformers", "transformers/integrations/integration_utils.py").read_text(
        encoding="utf-8"
    )
    block = re.search(r"INTEGRATION_TO_CALLBACK = \{(.*?)\}", integ, re.S)
    for rid in sorted(re.findall(r'"([a-z_]+)":', block.group(1) if block else "")):
        name, aliases = _TF_REPORT_NAMES.get(rid, (rid, []))
        yield Cand(name, "TOOL", "transformers: reporting integrations", [rid, *aliases])


_CKPT = re.compile(
    r'(?:checkpoint|_CHECKPOINT_FOR_DOC)\s*=\s*"([A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*)"'
)


def _parent_id(mtype: str) -> str:
    """``qwen2_moe`` → ``qwen2``: a model type's family is the model type it extends (if any)."""
    parts = re.split(r"[-_]", mtype)
    return "_".join(parts[:-1]) if len(parts) > 1 else ""


_TF_PACKAGE_SKIP = {
    "Levenshtein",  # the package is python-Levenshtein; the word names a distance
    "apex",
    "av",
    "blobfile",
    "coloredlogs",
    "fla",
    "flute",
    "google",
    "kernels",
    "multipart",
    "optimi",
    "pyximport",
    "qutlass",
    "rich",
    "uroman",
}
_TF_PACKAGE_NAMES: dict[str, tuple[str, list[str]]] = {
    "bs4": ("Beautiful Soup", ["beautifulsoup4", "BeautifulSoup"]),
    "cv2": ("OpenCV", ["opencv-python"]),
    "flash_attn": ("flash-attn", []),
    "flash_attn_interface": ("flash-attn-3", []),
    "jinja2": ("Jinja", ["Jinja2"]),
    "sudachipy": ("SudachiPy", ["Sudachi"]),
    "yt_dlp": ("yt-dlp", []),
    "mlx": ("MLX", []),
    "nncf": ("NNCF", ["Neural Network Compression Framework"]),
    "spacy": ("spaCy", []),
    "torchao": ("TorchAO", []),
    "torchaudio": ("TorchAudio", []),
    "torchvision": ("TorchVision", []),
    "torchcodec": ("TorchCodec", []),
    "sentencepiece": ("SentencePiece", []),
    "diffusers": ("Diffusers", ["Hugging Face Diffusers"]),
    "optimum": ("Optimum", ["Hugging Face Optimum"]),
    "tiktoken": ("tiktoken", []),
    "pydantic": ("Pydantic", []),
    "pytest": ("pytest", []),
    "scipy": ("SciPy", []),
    "matplotlib": ("Matplotlib", []),
    "executorch": ("ExecuTorch", []),
    "torch_xla": ("PyTorch/XLA", ["torch_xla", "torch-xla"]),
    "torch_tensorrt": ("Torch-TensorRT", []),
    "liger_kernel": ("Liger Kernel", ["liger-kernel"]),
    "gptqmodel": ("GPTQModel", []),
    "llm_awq": ("llm-awq", []),
    "mistral_common": ("mistral-common", []),
    "huggingface_hub": ("huggingface_hub", []),
}
_TF_REPORT_NAMES: dict[str, tuple[str, list[str]]] = {
    "azure_ml": ("Azure Machine Learning", ["AzureML", "Azure ML"]),
    "clearml": ("ClearML", []),
    "codecarbon": ("CodeCarbon", []),
    "comet_ml": ("Comet ML", ["Comet.ml"]),
    "dagshub": ("DagsHub", []),
    "dvclive": ("DVCLive", []),
    "flyte": ("Flyte", []),
    "kubeflow": ("Kubeflow", []),
    "mlflow": ("MLflow", []),
    "neptune": ("neptune.ai", []),
    "swanlab": ("SwanLab", []),
    "tensorboard": ("TensorBoard", []),
    "trackio": ("Trackio", []),
    "wandb": ("Weights & Biases", []),
}


# -- litellm -------------------------------------------------------------------------------------

_LITELLM_MODES = {
    "chat",
    "completion",
    "embedding",
    "responses",
    "rerank",
    "audio_transcription",
    "audio_speech",
    "image_generation",
    "video_generation",
    "realtime",
    "moderation",
    "ocr",
}
_LITELLM_SKIP_PROVIDERS = {"fal_ai"}  # keys are request parameters (quality/size/model/style)
_BEDROCK_REGION = re.compile(r"^(?:us|eu|apac|au|jp|ca|global|us-gov|sa|me|af|in)\.")
# Provider or platform names that some litellm keys put in front of the model's own name.
_PROVIDER_PREFIX = re.compile(
    r"^(?:databricks|anthropic|openai|snowflake|fw|azure|vertex|bedrock|meta-textgeneration)-", re.I
)
_BEDROCK_VENDOR = re.compile(
    r"^(?:anthropic|meta|mistral|amazon|cohere|ai21|qwen|openai|deepseek|writer|twelvelabs|stability|"
    r"luma|google|moonshot|moonshotai|minimax|nvidia|zai|mistralai|xai)\."
)
_DATE_TAIL = re.compile(r"[-@](?:\d{4}-\d{2}-\d{2}|\d{2}-\d{2}|\d{8}|\d{6}|\d{4}|\d{3})$")
_STATUS_TAIL = re.compile(r"-(?:latest|preview|exp|experimental)$", re.I)
_PACKAGING_TAIL = re.compile(
    r"[-_](?:fp8(?:-dynamic)?|fp16|bf16|fp4|nvfp4|mxfp4|mxfp8|int4|int8|w4a16|w8a8|awq|gptq|hf|gguf|mlx|tput|"
    r"turbo-free|safetensors|q[2-8](?:_[a-z0-9]{1,2})*)$",
    re.I,
)


def litellm_model_name(key: str, provider: str) -> str:
    """The model name in a litellm model key, or "" (``bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0``
    → ``claude-3-5-sonnet``)."""
    if key.startswith("ft:") or "*" in key:
        return ""
    name = key.rsplit("/", 1)[-1]
    name = _BEDROCK_REGION.sub("", name)
    name = _BEDROCK_VENDOR.sub("", name)
    name = _PROVIDER_PREFIX.sub("", name)
    if name.lower().startswith("together-ai-"):
        return ""  # Together's price tiers by parameter count, not models
    name = re.sub(r"@.*$|:variant\d+$", "", name)
    if re.search(r":\d+$", name):  # bedrock version: "-v1:0", "-v2:0"
        name = re.sub(r"(?:-v\d+)?:\d+$", "", name)
    if provider.startswith("fireworks"):
        name = re.sub(r"(?<=\d)p(?=\d)", ".", name)  # qwen2p5 → qwen2.5
    for _ in range(4):
        before = name
        name = _DATE_TAIL.sub("", name)
        name = _STATUS_TAIL.sub("", name)
        name = _PACKAGING_TAIL.sub("", name)
        if name == before:
            break
    return name.strip("-._:")


def dotted_version(name: str) -> str:
    """A version some ids write with a hyphen, written with its dot (how prose writes it).

    ``claude-3-5-sonnet`` → ``claude-3.5-sonnet``, ``gemini-2-5-pro`` → ``gemini-2.5-pro``,
    ``qwen3-5-27b`` → ``qwen3.5-27b``; sizes (``-8b``) and longer numbers are left alone.
    """
    name = re.sub(r"(?<=[A-Za-z][-_])(\d)[-_](\d)(?=[-_]|$)", r"\1.\2", name)
    return re.sub(r"(?:(?<=[A-Za-z]{2}\d)|(?<=[-_]v\d))[-_](\d)(?=[-_]|$)", r".\1", name)


# Provider slugs → (display name, type). Companies are ORG, products and platforms are TOOL; slugs
# not listed are skipped (API flavours, generic adapters, resellers whose name is a plain word).
_PROVIDERS: dict[str, tuple[str, str, list[str]]] = {
    "ai21": ("AI21 Labs", "ORG", ["AI21"]),
    "aihubmix": ("AIHubMix", "ORG", []),
    "aiml": ("AI/ML API", "TOOL", ["AIMLAPI"]),
    "amazon_nova": ("Amazon Nova", "MODEL", []),
    "anyscale": ("Anyscale", "ORG", []),
    "assemblyai": ("AssemblyAI", "ORG", []),
    "azure": ("Azure OpenAI", "TOOL", ["Azure OpenAI Service"]),
    "azure_ai": ("Azure AI Foundry", "TOOL", ["Azure AI", "Microsoft Foundry"]),
    "baseten": ("Baseten", "ORG", []),
    "bedrock": ("Amazon Bedrock", "TOOL", ["AWS Bedrock"]),
    "bigmodel": ("BigModel", "TOOL", ["bigmodel.cn"]),
    "black_forest_labs": ("Black Forest Labs", "ORG", ["BFL"]),
    "brave": ("Brave Search", "TOOL", []),
    "bytez": ("Bytez", "ORG", []),
    "cerebras": ("Cerebras", "ORG", []),
    "chutes": ("Chutes AI", "ORG", []),
    "clarifai": ("Clarifai", "ORG", []),
    "cloudflare": ("Cloudflare Workers AI", "TOOL", ["Workers AI"]),
    "cometapi": ("CometAPI", "TOOL", []),
    "compactifai": ("CompactifAI", "TOOL", []),
    "crusoe": ("Crusoe", "ORG", []),
    "dashscope": ("DashScope", "TOOL", ["阿里雲百煉", "阿里云百炼"]),
    "databricks": ("Databricks", "ORG", []),
    "datarobot": ("DataRobot", "ORG", []),
    "deepgram": ("Deepgram", "ORG", []),
    "deepinfra": ("DeepInfra", "ORG", []),
    "docker_model_runner": ("Docker Model Runner", "TOOL", []),
    "duckduckgo": ("DuckDuckGo", "TOOL", []),
    "e2b": ("E2B", "TOOL", []),
    "edenai": ("Eden AI", "ORG", []),
    "elevenlabs": ("ElevenLabs", "ORG", ["Eleven Labs"]),
    "exa_ai": ("Exa AI", "ORG", []),
    "featherless_ai": ("Featherless AI", "ORG", []),
    "firecrawl": ("Firecrawl", "TOOL", []),
    "fireworks_ai": ("Fireworks AI", "ORG", ["fireworks.ai"]),
    "friendliai": ("FriendliAI", "ORG", []),
    "gemini": ("Google AI Studio", "TOOL", []),
    "gigachat": ("GigaChat", "MODEL", []),
    "github": ("GitHub Models", "TOOL", []),
    "gmi": ("GMI Cloud", "ORG", []),
    "gradient_ai": ("DigitalOcean Gradient AI", "TOOL", ["GradientAI"]),
    "groq": ("Groq", "ORG", ["GroqCloud"]),
    "helicone": ("Helicone", "TOOL", []),
    "heroku": ("Heroku", "TOOL", []),
    "hyperbolic": ("Hyperbolic Labs", "ORG", []),
    "jina_ai": ("Jina AI", "ORG", ["jina.ai"]),
    "lambda_ai": ("Lambda Labs", "ORG", ["Lambda AI"]),
    "langflow": ("Langflow", "TOOL", []),
    "litellm_proxy": ("LiteLLM Proxy", "TOOL", []),
    "llamafile": ("llamafile", "TOOL", []),
    "manus": ("Manus", "TOOL", []),
    "maritalk": ("MariTalk", "MODEL", []),
    "meta_llama": ("Llama API", "TOOL", []),
    "microsoft_365_copilot": ("Microsoft 365 Copilot", "TOOL", []),
    "minimax": ("MiniMax", "ORG", ["稀宇科技"]),
    "modelscope": ("ModelScope", "TOOL", ["魔搭社區", "魔搭社区"]),
    "moonshot": ("Moonshot AI", "ORG", ["月之暗面"]),
    "nebius": ("Nebius", "ORG", ["Nebius AI Studio"]),
    "nlp_cloud": ("NLP Cloud", "ORG", []),
    "novita": ("Novita AI", "ORG", []),
    "nscale": ("Nscale", "ORG", []),
    "nvidia_nim": ("NVIDIA NIM", "TOOL", ["NIM"]),
    "nvidia_riva": ("NVIDIA Riva", "TOOL", ["Riva"]),
    "openrouter": ("OpenRouter", "ORG", []),
    "ovhcloud": ("OVHcloud", "ORG", ["OVHcloud AI Endpoints"]),
    "parasail": ("Parasail", "ORG", []),
    "perplexity": ("Perplexity AI", "ORG", []),
    "predibase": ("Predibase", "ORG", []),
    "recraft": ("Recraft", "ORG", []),
    "reka": ("Reka AI", "ORG", []),
    "replicate": ("Replicate", "ORG", []),
    "runwayml": ("RunwayML", "ORG", ["Runway ML"]),
    "sagemaker": ("Amazon SageMaker", "TOOL", ["SageMaker", "AWS SageMaker"]),
    "sambanova": ("SambaNova", "ORG", ["SambaNova Systems"]),
    "sap": ("SAP Generative AI Hub", "TOOL", []),
    "sarvam": ("Sarvam AI", "ORG", []),
    "scaleway": ("Scaleway", "ORG", []),
    "searxng": ("SearXNG", "TOOL", []),
    "snowflake": ("Snowflake", "ORG", []),
    "soniox": ("Soniox", "ORG", []),
    "tavily": ("Tavily", "TOOL", []),
    "together_ai": ("Together AI", "ORG", ["together.ai", "TogetherAI"]),
    "valkey": ("Valkey", "TOOL", []),
    "vercel_ai_gateway": ("Vercel AI Gateway", "TOOL", []),
    "vertex_ai": ("Vertex AI", "TOOL", ["Google Vertex AI", "Google Cloud Vertex AI"]),
    "volcengine": ("Volcengine", "TOOL", ["火山引擎", "Volcano Engine"]),
    "voyage": ("Voyage AI", "ORG", []),
    "watsonx": ("watsonx.ai", "TOOL", ["IBM watsonx", "watsonx"]),
    "xai": ("xAI", "ORG", []),
    "zai": ("Z.ai", "ORG", ["Zhipu"]),
}
# The package itself, and its logging/observability integrations (module or callback names).
_LITELLM_TOOLS: dict[str, tuple[str, list[str]]] = {
    "litellm": ("LiteLLM", []),
    "agentops": ("AgentOps", []),
    "argilla": ("Argilla", []),
    "arize": ("Arize", ["Arize AI", "Arize Phoenix"]),
    "athina": ("Athina AI", []),
    "braintrust": ("Braintrust", []),
    "clickhouse": ("ClickHouse", []),
    "datadog": ("Datadog", []),
    "deepeval": ("DeepEval", []),
    "dynamodb": ("DynamoDB", ["Amazon DynamoDB"]),
    "galileo": ("Galileo AI", []),
    "humanloop": ("Humanloop", []),
    "lago": ("Lago", []),
    "langfuse": ("Langfuse", []),
    "langtrace": ("Langtrace", []),
    "literal_ai": ("Literal AI", []),
    "logfire": ("Logfire", ["Pydantic Logfire"]),
    "lunary": ("Lunary", []),
    "newrelic": ("New Relic", ["NewRelic"]),
    "openmeter": ("OpenMeter", []),
    "opentelemetry": ("OpenTelemetry", ["OTel"]),
    "opik": ("Opik", []),
    "posthog": ("PostHog", []),
    "prompt_layer": ("PromptLayer", []),
    "signoz": ("SigNoz", []),
    "supabase": ("Supabase", []),
    "traceloop": ("Traceloop", ["OpenLLMetry"]),
    "weave": ("W&B Weave", ["Weave"]),
}


def litellm_cands() -> Iterator[Cand]:
    pkg = "litellm/"
    prices = json.loads(
        _dist_file("litellm", pkg + "model_prices_and_context_window_backup.json").read_text(encoding="utf-8")
    )
    for key in sorted(prices):
        info = prices[key]
        if not isinstance(info, dict) or key == "sample_spec":
            continue
        provider = str(info.get("litellm_provider") or "")
        if info.get("mode") not in _LITELLM_MODES or provider in _LITELLM_SKIP_PROVIDERS:
            continue
        name = litellm_model_name(key, provider)
        if not name or not re.search(r"[A-Za-z]", name):
            continue
        dotted = dotted_version(name)
        yield Cand(name, "MODEL", "litellm: models", [dotted] if dotted != name else [])
    providers = json.loads(
        _dist_file("litellm", pkg + "provider_endpoints_support_backup.json").read_text(encoding="utf-8")
    )["providers"]
    for slug in sorted(providers):
        if slug in _PROVIDERS:
            name, etype, aliases = _PROVIDERS[slug]
            yield Cand(name, etype, "litellm: providers", aliases)  # slugs are ambiguous (meta_llama, gemini)
    known = {p.name.removesuffix(".py") for p in _dist_file("litellm", pkg + "integrations").iterdir()}
    known |= {
        str(c.get("id"))
        for c in json.loads(
            _dist_file("litellm", pkg + "integrations/callback_configs.json").read_text(encoding="utf-8")
        )
    }
    known.add("litellm")
    for mod in sorted(known & set(_LITELLM_TOOLS)):
        name, aliases = _LITELLM_TOOLS[mod]
        yield Cand(name, "TOOL", "litellm: integrations", [*aliases, mod])


# -- lm-eval -------------------------------------------------------------------------------------

_LM_BAD_TITLE = re.compile(r"^(task-?name|tasks|paper|changelog|evaluation example|leaderboard.*)$", re.I)
_LM_GENERIC_PATH = {"json", "csv", "text", "parquet", ""}


def _lm_title(readme: Path) -> str:
    """The README's first heading, cut to the name (before a colon, without a trailing 'Benchmark')."""
    if not readme.is_file():
        return ""
    for line in readme.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^#\s*(.+?)\s*$", line)
        if m:
            title = m.group(1).strip("` ")
            title = re.split(r":\s", title, maxsplit=1)[0]
            title = re.sub(r"\s*\((?:Validation|multiple-choice subset|Gujarati)\)$", "", title)
            title = re.sub(r"\s+(Benchmark|Benchmark Datasets|Dataset|Tasks?)$", "", title, flags=re.I)
            title = re.sub(r"^[^\w]+\s*", "", title)  # leading emoji
            if _LM_BAD_TITLE.match(title) or len(title.split()) > 4:
                return ""
            return title
        if line.startswith("#"):
            return ""
    return ""


def _related(a: str, b: str) -> bool:
    """Whether two names plausibly name the same data set (one key contains the other)."""
    ka, kb = re.sub(r"[^a-z0-9]", "", a.lower()), re.sub(r"[^a-z0-9]", "", b.lower())
    return bool(ka and kb) and (ka in kb or kb in ka)


def lm_eval_cands() -> Iterator[Cand]:
    tasks_dir = _dist_file("lm-eval", "lm_eval/tasks")
    for folder in sorted(p for p in tasks_dir.iterdir() if p.is_dir() and not p.name.startswith("_")):
        paths: set[str] = set()
        for y in sorted(folder.rglob("*.yaml")):
            text = y.read_text(encoding="utf-8")
            paths.update(re.findall(r"^dataset_path:\s*['\"]?([^\s'\"#]+)", text, re.M))
        title = _lm_title(folder / "README.md")
        # "Colossal Clean Crawled Corpus(C4)": the short name in brackets is the name.
        expansion = ""
        m = re.match(r"^(.+?)\s*\(([^()]+)\)$", title)
        if m:
            title, expansion = m.group(2), m.group(1)
            if len(title) > len(expansion):
                title, expansion = expansion, title
        if title and not (_related(title, folder.name) or folder.name in _LM_TITLE_OK):
            title = ""  # the README is a copy of another task's (kobest's says LAMBADA)
        name = _LM_FOLDER_NAMES.get(folder.name, title)
        plain_id = re.fullmatch(r"[a-z0-9]+", folder.name) is not None
        if not name and folder.name not in _LM_FOLDER_NAMES and plain_id and not zipf(folder.name):
            name = folder.name.upper() if len(folder.name) <= 6 else folder.name
        own_keys = {match_key(folder.name)} | ({match_key(name)} if name else set())
        aliases = [folder.name, *([expansion] if expansion else [])]
        for p in sorted(paths):
            if "/" not in p or p in _LM_GENERIC_PATH:
                continue
            short = p.split("/", 1)[1]
            if name and match_key(re.sub(r"[-_]hf$", "", short)) in own_keys:
                aliases.append(p)  # "Rowan/hellaswag" is HellaSwag
            else:
                yield Cand(short, "DATASET", "lm-eval: dataset ids", [p])
        if name:
            yield Cand(name, "DATASET", "lm-eval: task folders", aliases)


# Folders whose README title is right although it does not contain the folder name.
_LM_TITLE_OK = {
    "aexams": "Arabic EXAMS",
    "bbh": "BigBenchHard",
    "hendrycks_math": "MATH",
    "minerva_math": "MATH",
    "siqa": "Social IQA",
    "c4": "C4",
    "cnn_dailymail": "CNN-DailyMail",
}
_LM_FOLDER_NAMES = {
    "bbh": "BIG-Bench Hard",
    "blimp": "BLiMP",
    "chartqa": "ChartQA",
    "commonsense_qa": "CommonsenseQA",
    "global_piqa": "Global PIQA",
    "libra": "LIBRA",
    "mela": "MELA",
    "mmlu_pro": "MMLU-Pro",
    "mmlu-pro-plus": "MMLU-Pro+",
    "mmlu-redux": "MMLU-Redux",
    "nq_open": "Natural Questions Open",
    "ruler": "RULER",
    "scrolls": "SCROLLS",
    "squadv2": "SQuAD v2",
    "xwinograd": "XWinograd",
    "kmmlu": "KMMLU",
    "kbl": "KBL",
    "gsm_plus": "GSM-Plus",
    "tydiqa": "TyDi QA",
    "inverse_scaling": "Inverse Scaling",
    "jfinqa": "JFinQA",
    "llama3": "",
    "leaderboard": "",
    "benchmarks": "",
}


# -- trove-classifiers ---------------------------------------------------------------------------


def trove_cands() -> Iterator[Cand]:
    from trove_classifiers import sorted_classifiers

    frameworks = sorted({c.split(" :: ")[1] for c in sorted_classifiers if c.startswith("Framework :: ")})
    for fw in frameworks:
        if fw in _TROVE_SKIP:
            continue
        yield Cand(fw, "TOOL", "trove-classifiers: frameworks", [])


_TROVE_SKIP = {"Setuptools Plugin", "BEAT", "Bob", "Opps", "Paste", "Chandler", "IDLE"}


# -- merging, filtering, families ----------------------------------------------------------------


def curated_keys() -> dict[str, str]:
    """Every key the curated lexicon files claim (names, aliases and ignore words) → its file."""
    out: dict[str, str] = {}
    for path in sorted(SHIPPED_DIR.glob("*.yaml")):
        if path.name == OUTPUT.name:
            continue
        for e in parse_entries(yaml.safe_load(path.read_text(encoding="utf-8")), path.name):
            for s in e.surfaces():
                k = match_key(s)
                if k:
                    out.setdefault(k, path.name)
    return out


_SECTION_ORDER = (
    "transformers: model types",
    "transformers: checkpoints",
    "litellm: models",
    "litellm: model families",
    "litellm: providers",
    "lm-eval: task folders",
    "lm-eval: dataset ids",
    "transformers: integrated packages",
    "transformers: reporting integrations",
    "litellm: integrations",
    "trove-classifiers: frameworks",
)


def build(report: Report | None = None) -> list[Cand]:
    """All generated entries, filtered and resolved, in output order."""
    report = report or Report()
    curated = curated_keys()
    raw: list[Cand] = [*transformers_cands(), *litellm_cands(), *lm_eval_cands(), *trove_cands()]
    raw.extend(family_stems(raw))
    raw.sort(key=lambda c: _SECTION_ORDER.index(c.source))  # stable: each source's own order kept

    # 1. Merge by key (Claude's ids by their prose spelling: claude-3-5-haiku is claude-3.5-haiku);
    # the same key with two types is ambiguous and is dropped whole.
    groups: dict[str, Cand] = {}
    types_of: dict[str, set[str]] = defaultdict(set)
    for c in raw:
        k = _merge_key(c.name)
        types_of[k].add(c.type)
        old = groups.get(k)
        if old is None:
            c.forms[c.name] += 1
            groups[k] = c
            continue
        old.forms[c.name] += 1
        old.aliases.extend([c.name, *c.aliases])
        if not old.family and c.family:
            old.family = c.family
    for k in sorted(k for k, ts in types_of.items() if len(ts) > 1):
        c = groups.pop(k)
        report.drop("named as two types (" + "/".join(sorted(types_of[k])) + ")", c.name)

    # 2. Entry names: curated keys win; common words, short names and versions go.
    by_key: dict[str, Cand] = {}
    for gk in sorted(groups):
        c = groups[gk]
        if c.source == "litellm: models" or c.source.startswith("lm-eval"):
            c.name = _pick_form(c.forms)
        c.aliases.extend(f for f in sorted(c.forms) if f != c.name)
        k = match_key(c.name)
        hit = next((curated[x] for x in (k, gk) if x in curated), "")
        if hit:
            report.drop(f"already curated ({hit})", c.name)
        elif k.endswith("s") and k[:-1] in curated:
            report.drop(f"plural of a curated name ({curated[k[:-1]]})", c.name)  # tokenizers
        elif why := common_reason(c.name):
            report.drop(why, c.name)
        elif k in by_key:
            report.drop("claimed by another generated entry", c.name)
        else:
            by_key[k] = c

    # 3. Aliases: keep those with a new key that no other entry (curated or generated) claims and
    # that pass the same filter; an alias two generated entries share is dropped from both.
    claims: dict[str, set[str]] = defaultdict(set)
    for k, c in by_key.items():
        for a in c.aliases:
            ak = match_key(a)
            if ak and ak != k:
                claims[ak].add(k)
    for k in sorted(by_key):
        c = by_key[k]
        kept: list[str] = []
        seen = {k}
        for a in sorted(set(c.aliases), key=lambda s: (match_key(s), s)):
            ak = match_key(a)
            if not ak or ak in seen:
                continue
            seen.add(ak)
            if ak in curated or (ak.endswith("s") and ak[:-1] in curated):
                where = curated.get(ak) or curated.get(ak[:-1], "")
                report.dealias(f"already curated ({where})", f"{a} ({c.name})")
            elif ak in by_key or len(claims[ak]) > 1:
                report.dealias("claimed by another generated entry", f"{a} ({c.name})")
            elif why := common_reason(a):
                report.dealias(why, f"{a} ({c.name})")
            else:
                kept.append(a)
        c.aliases = kept

    # 4. Families: the nearest known name a variant's name extends (curated or generated).
    resolve_families(by_key)
    return sorted(by_key.values(), key=lambda c: (TYPE_ORDER.index(c.type), match_key(c.name), c.name))


def _merge_key(name: str) -> str:
    return match_key(dotted_version(name))


_VERSION_SEGMENT = re.compile(r"^v?\d+(?:\.\d+)?$", re.I)
_NAME_VERSION = re.compile(r"^[A-Za-z]{3,}\d+(?:\.\d+)?$")  # qwen3.5, llama3.3
MIN_FAMILY_MEMBERS = 3


def family_stems(cands: Iterable[Cand]) -> list[Cand]:
    """Family names that several litellm models share but no source lists: ``gemini-2.5`` for
    ``gemini-2.5-pro``, ``gemini-2.5-flash``, ``gemini-2.5-flash-lite``, … (a name, then a version)."""
    members: dict[str, set[str]] = defaultdict(set)
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for c in cands:
        if c.source != "litellm: models":
            continue
        name = dotted_version(c.name)
        segs = name.split("-")
        for i in range(1, len(segs)):
            head = segs[:i]
            if (i == 1 and _NAME_VERSION.match(head[0])) or (
                i > 1 and _VERSION_SEGMENT.match(head[-1]) and head[0].isalpha() and len(head[0]) >= 3
            ):
                stem = "-".join(head)
                members[match_key(stem)].add(match_key(name))
                spellings[match_key(stem)][stem] += 1
    return [
        Cand(_pick_form(spellings[k]), "MODEL", "litellm: model families")
        for k in sorted(members)
        if len(members[k]) >= MIN_FAMILY_MEMBERS
    ]


def _pick_form(forms: Counter[str]) -> str:
    """The most frequent spelling; ties go to one with capitals (a Hugging Face id's), then sorted."""
    return sorted(forms.items(), key=lambda fn: (-fn[1], fn[0].islower(), fn[0]))[0][0]


def _prefixes(name: str) -> Iterator[str]:
    """Shorter names that ``name`` extends (``llama-3.3-70b-instruct`` → ``llama-3.3-70b``, …)."""
    head, sep, _tag = name.partition(":")
    if sep:
        yield head
    parts = re.split(r"(?<=[^\s])[-_ ](?=[^\s])", head)
    for i in range(len(parts) - 1, 0, -1):
        yield "-".join(parts[:i])


def resolve_families(by_key: dict[str, Cand]) -> None:
    """Point each generated model at the nearest model it extends (generated or curated), by name."""
    models: dict[str, str] = {k: n for k, (n, t) in _curated_names().items() if t == "MODEL"}
    for c in by_key.values():
        if c.type == "MODEL":
            for s in (c.name, *c.aliases):
                models.setdefault(match_key(s), c.name)
    for k in sorted(by_key):
        c = by_key[k]
        fam = ""
        if c.type == "MODEL":
            for cand in [*([c.family] if c.family else []), *_prefixes(c.name)]:
                f = models.get(match_key(cand), "")
                if f and match_key(f) != k:
                    fam = f
                    break
        c.family = fam


@lru_cache(maxsize=1)
def _curated_names() -> dict[str, tuple[str, str]]:
    """Curated key (of any surface) → the name and type of its entry."""
    out: dict[str, tuple[str, str]] = {}
    for path in sorted(SHIPPED_DIR.glob("*.yaml")):
        if path.name == OUTPUT.name:
            continue
        for e in parse_entries(yaml.safe_load(path.read_text(encoding="utf-8")), path.name):
            if e.ignore:
                continue
            for s in e.surfaces():
                out.setdefault(match_key(s), (e.name, e.type.value))
    return out


# -- output --------------------------------------------------------------------------------------


def _scalar(s: str) -> str:
    """``s`` as a YAML flow scalar: plain when that reads back as the same string, else double-quoted."""
    try:
        if yaml.safe_load("{x: " + s + "}") == {"x": s}:
            return s
    except yaml.YAMLError:
        pass
    return json.dumps(s, ensure_ascii=False)


def _entry_line(c: Cand) -> str:
    parts = [f"name: {_scalar(c.name)}"]
    if c.type != DEFAULT_TYPE:  # most entries are models: the file's default type saves parsing time
        parts.append(f"type: {c.type}")
    if c.aliases:
        parts.append("aliases: [" + ", ".join(_scalar(a) for a in c.aliases) + "]")
    if c.family:
        parts.append(f"family: {_scalar(c.family)}")
    return "  - {" + ", ".join(parts) + "}"


def versions() -> dict[str, str]:
    return {p: md.version(p) for p in (*SOURCE_PACKAGES, *FILTER_PACKAGES)}


def render(entries: Iterable[Cand]) -> str:
    entries = list(entries)
    counts = Counter(c.type for c in entries)
    by_source = Counter(c.source for c in entries)
    lines = [
        "# GENERATED FILE, do not edit: regenerate with",
        f"#   {COMMAND}",
        "# (and commit the result) after changing the curated lexicon files or the package versions below.",
        "# Names that maintained packages ship, for breadth; the curated files win for every key",
        "# they claim (this file sorts first, and the generator leaves their keys out).",
        "# Format: extract/lexicon.py.",
        "# Data from: " + ", ".join(f"{p}=={v}" for p, v in versions().items() if p in SOURCE_PACKAGES),
        "# Filtered with: "
        + ", ".join(f"{p}=={v}" for p, v in versions().items() if p in FILTER_PACKAGES)
        + f" (English Zipf >= {COMMON_WORD} for one word, {COMMON_PLAIN} plain, {COMMON_SHORT} for three"
        + f" letters; every word >= {COMMON_PHRASE_WORD} for several, >= {COMMON_WITH_NUMBER} with a number)",
        f"# Entries: {len(entries)} ("
        + ", ".join(f"{t} {counts[t]}" for t in TYPE_ORDER if counts[t])
        + "); by source: "
        + ", ".join(f"{s} {by_source[s]}" for s in _SECTION_ORDER if by_source[s])
        + ".",
        f"type: {DEFAULT_TYPE}",
        "entries:",
    ]
    current = ""
    for c in entries:
        if c.type != current:
            current = c.type
            lines.append(f"  # {current}")
        lines.append(_entry_line(c))
    return "\n".join(lines) + "\n"


def generate(report: Report | None = None) -> str:
    """The file's content for the installed packages and the current curated files."""
    return render(build(report))


def missing_packages() -> list[str]:
    out = []
    for p in (*SOURCE_PACKAGES, *FILTER_PACKAGES):
        try:
            md.version(p)
        except md.PackageNotFoundError:
            out.append(p)
    for mod in ("transformers.models.auto.configuration_auto", "trove_classifiers", "wordfreq"):
        try:
            importlib.import_module(mod)
        except ImportError:
            out.append(mod)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("--output", type=Path, default=OUTPUT)
    ap.add_argument("--check", action="store_true", help="exit 1 if the output file is not up to date")
    ap.add_argument("--report", action="store_true", help="print what the filter removed")
    args = ap.parse_args(argv)
    missing = missing_packages()
    if missing:
        print("generate: missing packages: " + ", ".join(missing), file=sys.stderr)
        return 2
    report = Report()
    text = generate(report)
    if args.report:
        for title, table in (("dropped entries", report.dropped), ("dropped aliases", report.dealiased)):
            for reason in sorted(table):
                items = sorted(table[reason], key=str.casefold)
                print(f"{title} — {reason} ({len(items)}): " + "; ".join(items))
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.is_file() else ""
        if current != text:
            print(f"generate: {args.output} is out of date; run {COMMAND}", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"generate: wrote {args.output} ({text.count(chr(10) + '  - {')} entries)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
