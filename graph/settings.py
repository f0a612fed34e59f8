"""The one settings object: defaults, then ``ZHKG_*`` environment variables, then CLI flags.

Nothing reads the environment at import time; callers build a :class:`Settings`
with :func:`load_settings` at the edge (CLI, app, tests) and pass it down.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from extract.chunk import DEFAULT_CHUNK_SIZE
from extract.ckip import NER_MODEL, POS_MODEL, WS_MODEL
from extract.errors import ZhkgError


class SettingsError(ZhkgError, ValueError):
    """A setting has a value that cannot be used; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    workspace: Path = Path(".zhkg")

    # ingest
    max_file_mb: float = 20.0  # MiB
    file_time_budget_s: float = 30.0  # reading + parsing one file; past it the file fails alone (0 = none)
    chunk_size: int = DEFAULT_CHUNK_SIZE
    chunk_overlap_sentences: int = 1
    boilerplate_min_docs: int = 3
    boilerplate_min_share: float = 0.3
    # > 0: a reworded notice's variants count as one boilerplate block (shingle Jaccard); off by
    # default because templated pages (the same paragraph with other names) would lose content
    boilerplate_near_threshold: float = 0.0
    duplicate_threshold: float = 0.9  # shingle Jaccard at which a document counts as a near copy
    lexicon_files: tuple[Path, ...] = ()
    workers: int = 0  # extraction processes; 0 = one per core (one when CKIP is on)

    # CKIP (off unless asked for: the embedded default needs no model)
    ckip: bool = False
    ckip_ws_model: str = WS_MODEL
    ckip_pos_model: str = POS_MODEL
    ckip_ner_model: str = NER_MODEL
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    batch_size: int = 16

    # communities
    community_seed: int = 42
    community_max_size: int = 40
    community_resolution: float = 1.0

    # search index: a change touching more than this share of the indexed chunks rebuilds the
    # index from the database; a smaller one patches the previous generation's index
    index_delta_share: float = 0.25

    # embeddings (off by default: no Chinese model ships offline)
    embedding_model: str = ""

    # LLM behind an OpenAI-compatible endpoint
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = field(default="", repr=False)
    llm_timeout_s: float = 60.0
    llm_max_retries: int = 2
    llm_context_tokens: int = 6000

    # Neo4j
    neo4j_uri: str = ""
    neo4j_user: str = "neo4j"
    neo4j_password: str = field(default="", repr=False)
    neo4j_database: str = "neo4j"
    neo4j_timeout_s: float = 15.0
    cypher_row_limit: int = 1000
    cypher_max_mb: float = 16.0  # estimated result size (MiB) after which a query is stopped
    cypher_worker_memory_mb: float = 512.0  # memory (MiB) of the process running one query
    neo4j_batch_size: int = 5000  # rows per UNWIND batch when syncing

    # app
    app_host: str = "127.0.0.1"
    app_port: int = 8501
    app_password: str = field(default="", repr=False)
    upload_max_mb: float = 20.0
    # folders the app's ingest page may read besides <workspace>/uploads
    # (ZHKG_APP_INGEST_ROOTS, an os.pathsep-separated list)
    app_ingest_roots: tuple[Path, ...] = ()

    @property
    def db_path(self) -> Path:
        return workspace_db(self.workspace)

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @property
    def neo4j_configured(self) -> bool:
        return bool(self.neo4j_uri)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def public_dict(self) -> dict[str, Any]:
        """Settings worth recording in the workspace: never passwords or keys."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name in _SECRET_FIELDS:
                continue
            value = getattr(self, f.name)
            if isinstance(value, Path):
                value = str(value)
            elif isinstance(value, tuple):
                value = [str(v) for v in value]
            out[f.name] = value
        return out


_SECRET_FIELDS = {"llm_api_key", "neo4j_password", "app_password"}


def _coerce(name: str, raw: str, current: Any) -> Any:
    try:
        if isinstance(current, bool):
            low = raw.strip().lower()
            if low in {"1", "true", "yes", "on"}:
                return True
            if low in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(raw)
        if isinstance(current, int):
            return int(raw)
        if isinstance(current, float):
            return float(raw)
        if isinstance(current, Path):
            return Path(raw).expanduser()
        if isinstance(current, tuple):
            return tuple(Path(p).expanduser() for p in raw.split(os.pathsep) if p)
    except ValueError:
        raise SettingsError(f"ZHKG_{name.upper()}={raw!r} is not a valid {type(current).__name__}") from None
    return raw


def load_settings(
    env: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Build settings from ``env`` (default ``os.environ``) and explicit overrides.

    Overrides whose value is ``None`` are ignored so that unset CLI flags do not
    mask environment variables.
    """
    env = os.environ if env is None else env
    base = Settings()
    values: dict[str, Any] = {}
    for f in fields(Settings):
        var = f"ZHKG_{f.name.upper()}"
        if var in env:
            values[f.name] = _coerce(f.name, env[var], getattr(base, f.name))
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key not in {f.name for f in fields(Settings)}:
            raise SettingsError(f"unknown setting {key!r}")
        current = getattr(base, key)
        if isinstance(value, str) and not isinstance(current, str):
            value = _coerce(key, value, current)
        values[key] = value
    settings = dataclasses.replace(base, **values)
    _validate(settings)
    return settings


def _validate(s: Settings) -> None:
    if s.chunk_size < 50:
        raise SettingsError("chunk_size must be at least 50 characters")
    if s.max_file_mb <= 0:
        raise SettingsError("max_file_mb must be positive")
    if not 0 <= s.boilerplate_min_share <= 1:
        raise SettingsError("boilerplate_min_share must be between 0 and 1")
    if not 0.0 <= s.boilerplate_near_threshold <= 1.0:
        raise SettingsError("boilerplate_near_threshold must be between 0 (off) and 1")
    if not 0.5 <= s.duplicate_threshold <= 1.0:
        raise SettingsError("duplicate_threshold must be between 0.5 and 1")
    if not 0.0 <= s.index_delta_share <= 1.0:
        raise SettingsError("index_delta_share must be between 0 (always rebuild) and 1")
    if s.boilerplate_min_docs < 2:
        raise SettingsError("boilerplate_min_docs must be at least 2")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``; the app's auth gate uses the same rule."""
    import ipaddress

    host = (host or "").strip().strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def workspace_db(workspace: Path) -> Path:
    """The SQLite file that holds a workspace (the one place its name is spelled)."""
    return workspace / "zhkg.sqlite"


def curation_file(workspace: Path) -> Path:
    """The workspace's curation layer: a lexicon file (``--lexicon`` format, ``override: true``)
    that the explorer's curation actions write and every ingest of the workspace reads last."""
    return workspace / "curation.yaml"
