"""匯入 / Ingest page: upload files or name a folder, watch progress, read the summary.

Uploads are written only to ``<workspace>/uploads/`` under sanitised names, and
a folder must lie inside the allowed roots (the uploads folder plus
``settings.app_ingest_roots``); both checks resolve symlinks first. Ingest
itself (:func:`graph.api.ingest`) is all-or-nothing, so a failure
leaves the workspace as it was.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from extract.errors import ZhkgError
from extract.redact import redact_name
from ui import PageContext
from ui.text import plain_rows

log = logging.getLogger(__name__)

REPORT = "ingest_report"
UPLOAD_GEN = "ingest_upload_gen"
_UNSAFE = re.compile(r"[^\w.\-()\[\] ]+", re.UNICODE)
_MAX_NAME = 120


class IngestRejected(ZhkgError, ValueError):
    """Input the page refuses before ingest runs; ``key`` and ``values`` form the message."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def uploads_dir(settings: Any) -> Path:
    return Path(settings.workspace) / "uploads"


def safe_name(name: str) -> str:
    """A file name that cannot leave the uploads folder: last path part only, no control or
    shell-special characters, no leading dots, bounded length; CJK letters are kept."""
    base = unicodedata.normalize("NFKC", name).replace("\\", "/").split("/")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = _UNSAFE.sub("_", base).strip(" .")
    if len(base) > _MAX_NAME:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: _MAX_NAME - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else base[:_MAX_NAME]
    if not base or base in {".", ".."}:
        raise IngestRejected("bad_name", name=name)
    return base


def save_upload(settings: Any, name: str, payload: bytes) -> Path:
    """Write one uploaded file into ``<workspace>/uploads`` after the size and name checks.

    The file stays only until it is ingested (see :func:`forget_uploads`): what ingest keeps is
    redacted, the raw upload is not. A secret in the name is redacted before it is a file name.
    """
    limit = float(settings.upload_max_mb)
    size_mb = len(payload) / (1024 * 1024)
    if size_mb > limit:
        raise IngestRejected("file_too_large", name=name, mb=size_mb, limit=limit)
    folder = uploads_dir(settings).resolve()
    target = (folder / safe_name(redact_name(name)[0])).resolve()
    if target.parent != folder:
        raise IngestRejected("bad_name", name=name)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.part")
    tmp.write_bytes(payload)
    tmp.replace(target)
    return target


# Streamlit's uploader writes its own English ("Drag and drop files here", "Limit 200MB per file",
# "Browse files"): hide those and show ours through CSS content (the label and help carry the rest).
_UPLOADER_CSS = """<style>
[data-testid="stFileUploaderDropzoneInstructions"] span {{ display: none; }}
[data-testid="stFileUploaderDropzoneInstructions"] > div::before {{ content: "{drop}"; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{ display: none; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after {{
  content: "{browse}"; }}
</style>"""

_REASONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"binary file \(contains NUL bytes\)$"), "skip_binary"),
    (re.compile(r"empty file$"), "skip_empty"),
    (re.compile(r"empty document \(no text\)$"), "skip_no_text"),
    (re.compile(r"no such file or folder$"), "skip_missing"),
    (re.compile(r"unreadable \(permission denied\)$"), "skip_permission"),
    (re.compile(r"unreadable \((?P<why>.*)\)$"), "skip_unreadable"),
    (re.compile(r"binary or unknown encoding.*$"), "skip_encoding"),
    (re.compile(r"not text: undecodable.*$"), "skip_undecodable"),
    (re.compile(r"file name is not valid UTF-8.*$"), "skip_bad_name"),
    (re.compile(r"invalid file name.*$"), "skip_bad_name"),
    (re.compile(r"too large \((?P<size>.+) > limit (?P<limit>.+)\)$"), "skip_too_large"),
    (re.compile(r"too large \(grew past the limit of (?P<limit>.+) while being read\)$"), "skip_grew"),
    (re.compile(r"unsupported file type '(?P<ext>[^']*)'.*$"), "skip_unsupported"),
    (re.compile(r"not a regular file.*$"), "skip_not_regular"),
    (re.compile(r"symlink loop$"), "skip_symlink_loop"),
    (re.compile(r"dangling symlink.*$"), "skip_dangling"),
    (re.compile(r"extraction failed: (?P<why>.*)$"), "skip_extraction_failed"),
]


def reason_text(reason: str, lang: str = "zh") -> str:
    """A skip or failure reason in the UI language when it is one of ingest's own sentences; any
    other text (an operating-system message, a library's error) is shown as written."""
    from ui.i18n import tr

    for pattern, key in _REASONS:
        m = pattern.match(reason)
        if m:
            return tr(key, lang, **m.groupdict()) if m.groupdict() else tr(key, lang)
    return reason


def forget_uploads(paths: list[Path]) -> None:
    """Delete uploaded files once ingested: the workspace holds their redacted text, so the raw
    bytes (which may hold the very secrets redaction removed) are not kept on disk."""
    for p in paths:
        try:
            p.unlink()
        except OSError:
            log.warning("could not delete the ingested upload %s", p)


def allowed_roots(settings: Any) -> list[Path]:
    roots = [uploads_dir(settings), *settings.app_ingest_roots]
    return [Path(r).expanduser().resolve() for r in roots]


def served_locally() -> bool:
    """True when the app listens on loopback only (``zhkg app``'s default): the person at the
    browser is the one at the machine, so any folder they can read may be ingested."""
    from graph.settings import is_loopback

    try:
        return is_loopback(str(st.get_option("server.address") or ""))
    except Exception:
        return False


def check_folder(settings: Any, raw: str, *, local: bool = False) -> Path:
    """The folder to ingest, if it exists and (unless ``local``) lies inside an allowed root."""
    roots = allowed_roots(settings)
    path = Path(raw.strip()).expanduser()
    if not path.is_absolute():
        path = Path.cwd() / path
    real = path.resolve()
    if not local and not any(real == r or r in real.parents for r in roots):
        raise IngestRejected("folder_outside", path=raw, roots=", ".join(map(str, roots)))
    if not real.is_dir():
        raise IngestRejected("folder_missing", path=raw)
    return real


def root_of(settings: Any, path: Path) -> Path | None:
    """The allowed ingest root that holds ``path`` (reads stay inside it, symlinks included)."""
    real = Path(path).resolve()
    return next((r for r in allowed_roots(settings) if real == r or r in real.parents), None)


def run_ingest(
    settings: Any,
    paths: list[Path],
    progress: Callable[[int, int, str], None] | None = None,
    *,
    root: Path | None = None,
) -> Any:
    """Ingest ``paths``; every failure becomes an :class:`IngestRejected` with a readable message."""
    try:
        from graph import api
    except ImportError as exc:
        raise IngestRejected("ingest_unavailable", err=exc) from None
    from graph.store.lock import WorkspaceBusy

    try:
        if root is None:  # reads stay inside the allowed root that holds the paths
            roots = {root_of(settings, p) for p in paths}
            root = roots.pop() if len(roots) == 1 else None
        if root is None:
            raise IngestRejected("folder_outside", path=", ".join(map(str, paths)), roots="")
        return api.ingest(paths, settings, progress, allowed_root=root)
    except WorkspaceBusy as exc:
        raise IngestRejected("ingest_busy", err=exc) from None
    except Exception as exc:  # the transaction rolled back; say so and keep the page alive
        log.warning("ingest from the app failed", exc_info=True)
        raise IngestRejected("ingest_failed", err=f"{type(exc).__name__}: {exc}") from None


def summary(report: Any) -> dict[str, Any]:
    """The report as plain data (its own JSON form), kept in the session to show after the rerun."""
    if report is None:
        return {"ingested": 0, "unchanged": 0, "removed": 0, "skipped": [], "failed": [], "redactions": []}
    data: dict[str, Any] = report.to_json()
    return data


def _ingest_with_progress(
    ctx: PageContext, paths: list[Path], notes: list[str], root: Path | None = None
) -> None:
    bar = st.progress(0.0, text=ctx.t("progress", done=0, total=len(paths), name=""))

    def progress(done: int, total: int, stage: str) -> None:
        frac = min(1.0, done / total) if total else 1.0
        bar.progress(frac, text=ctx.t("progress", done=done, total=total, name=stage))

    try:
        report = run_ingest(ctx.settings, paths, progress, root=root)
    except IngestRejected as exc:
        st.session_state[REPORT] = {"error": ctx.t(exc.key, **exc.values), "notes": notes}
    else:
        st.session_state[REPORT] = {**summary(report), "notes": notes}
    bar.empty()


def _show_report(ctx: PageContext, rep: dict[str, Any]) -> None:
    t = ctx.t
    for note in rep.get("notes", []):
        st.warning(note)
    if rep.get("error"):
        st.error(rep["error"])
        return
    counts = {
        k: rep[k] if isinstance(rep[k], int) else len(rep[k])
        for k in ("ingested", "unchanged", "skipped", "failed", "removed")
    }
    done = t("ingest_done", **counts)
    if counts["ingested"] == 0 and counts["removed"] == 0:
        st.warning(
            t("ingest_nothing", done=done) if not counts["unchanged"] else t("ingest_unchanged", done=done)
        )
    elif rep["failed"] or rep["skipped"]:
        st.warning(done)
    else:
        st.success(done)
    if rep["skipped"]:
        st.markdown(f"**{t('skipped')}**")
        rows = [
            {t("path"): x["path"], t("reason"): reason_text(x["reason"], ctx.lang)} for x in rep["skipped"]
        ]
        st.table(plain_rows(rows), hide_index=True)
    if rep["failed"]:
        st.markdown(f"**{t('failed')}**")
        rows = [
            {t("path"): x["path"], t("reason"): reason_text(x["reason"], ctx.lang)} for x in rep["failed"]
        ]
        st.table(plain_rows(rows), hide_index=True)
    if rep["redactions"]:
        st.markdown(f"**{t('redactions')}**")
        st.table(
            plain_rows(
                [
                    {t("path"): x["path"], t("line"): x["line"] or t("in_name"), t("kind"): x["kind"]}
                    for x in rep["redactions"]
                ]
            ),
            hide_index=True,
        )


def render(ctx: PageContext) -> None:
    t = ctx.t
    s = ctx.settings
    st.header(t("page_ingest"))
    gen = st.session_state.setdefault(UPLOAD_GEN, 0)
    st.markdown(
        _UPLOADER_CSS.format(
            drop=t("upload_drop") + " · " + t("upload_limit_short", mb=s.upload_max_mb),
            browse=t("upload_browse"),
        ),
        unsafe_allow_html=True,
    )
    files = st.file_uploader(
        t("upload"),
        accept_multiple_files=True,
        max_upload_size=max(1, int(s.upload_max_mb + 0.999)),
        key=f"ingest_files_{gen}",
        help=t("upload_limit", mb=s.upload_max_mb, dir=uploads_dir(s)),
    )
    st.caption(t("upload_limit", mb=s.upload_max_mb, dir=uploads_dir(s)))
    if st.button(t("ingest_uploads"), key="ingest_uploads_btn"):
        if not files:
            st.warning(t("nothing_uploaded"))
        else:
            saved, notes = [], []
            for f in files:
                try:
                    saved.append(save_upload(s, f.name, f.getvalue()))
                except IngestRejected as exc:
                    notes.append(t(exc.key, **exc.values))
            if saved:
                try:
                    _ingest_with_progress(ctx, saved, notes)
                finally:
                    forget_uploads(saved)
            else:
                st.session_state[REPORT] = {"error": "", "notes": notes, **summary(None)}
            st.session_state[UPLOAD_GEN] = gen + 1  # clears the uploader so a rerun cannot re-ingest
            st.rerun()
    st.divider()
    local = served_locally()
    folder = st.text_input(t("folder_any") if local else t("folder"), key="ingest_folder")
    if local:
        st.caption(t("folder_local"))
    else:
        st.caption(t("folder_roots", roots=", ".join(map(str, allowed_roots(s)))))
    if st.button(t("ingest_folder"), key="ingest_folder_btn") and folder.strip():
        try:
            path = check_folder(s, folder, local=local)
        except IngestRejected as exc:
            st.session_state[REPORT] = {"error": t(exc.key, **exc.values)}
        else:
            _ingest_with_progress(ctx, [path], [], root=path if local and root_of(s, path) is None else None)
    rep = st.session_state.get(REPORT)
    if rep:
        st.divider()
        _show_report(ctx, rep)
