"""User-visible labels in Traditional Chinese (default) and English.

Every string the app shows goes through :func:`tr`, so the language toggle
switches the whole UI and no page hard-codes text. Unknown keys fall back to
the key itself, which keeps a missing translation visible instead of crashing.
"""

from __future__ import annotations

LANGS = ("zh", "en")

_LABELS: dict[str, tuple[str, str]] = {
    # app shell
    "app_title": ("zhkg 知識圖譜", "zhkg knowledge graph"),
    "lang_toggle": ("English", "English"),
    "page_graph": ("圖譜", "Graph"),
    "page_entity": ("實體", "Entity"),
    "page_communities": ("社群", "Communities"),
    "page_ask": ("問答", "Ask"),
    "page_cypher": ("Cypher", "Cypher"),
    "page_ingest": ("匯入", "Ingest"),
    "page_documents": ("文件", "Documents"),
    "doc_search": ("搜尋標題、檔名、標籤或別名", "Search titles, file names, tags or aliases"),
    "doc_count": ("{n} / {total} 份文件", "{n} of {total} documents"),
    "doc_aliases": ("別名", "Aliases"),
    "doc_entities": ("提到的實體", "Entities mentioned"),
    "links_to": ("連到", "Links to"),
    "linked_from": ("被連結自", "Linked from"),
    "duplicate_of": (
        "與 {other} 重複（相似度 {sim}），未重複索引。",
        "Duplicate of {other} (similarity {sim}); indexed once.",
    ),
    "file": ("檔案", "File"),
    "in_name": ("檔名", "file name"),
    "tags": ("標籤", "Tags"),
    "title": ("標題", "Title"),
    "workspace": ("工作區", "Workspace"),
    "no_workspace": (
        "工作區 {ws} 尚無資料。請到「匯入」頁面匯入文件，或執行 `zhkg ingest 資料夾 -w {ws}`。",
        "Workspace {ws} has no data yet. Use the Ingest page or run `zhkg ingest FOLDER -w {ws}`.",
    ),
    "workspace_error": ("無法開啟工作區：{err}", "Cannot open the workspace: {err}"),
    "settings_error": ("設定有誤：{err}", "Invalid settings: {err}"),
    "stats_line": (
        "{documents} 份文件 · {entities} 個實體 · {relations} 條關係 · {communities} 個社群",
        "{documents} documents · {entities} entities · {relations} relations · {communities} communities",
    ),
    "page_error": ("此頁面發生錯誤：{err}", "This page hit an error: {err}"),
    # auth
    "password": ("密碼", "Password"),
    "login": ("登入", "Log in"),
    "login_needed": ("此應用程式需要密碼。", "This app needs a password."),
    "wrong_password": ("密碼錯誤。", "Wrong password."),
    "too_many_attempts": (
        "嘗試次數過多，請 {secs} 秒後再試。",
        "Too many attempts; try again in {secs} s.",
    ),
    "exposed_without_password": (
        "應用程式綁定在非本機位址 {host}，但未設定 ZHKG_APP_PASSWORD；為了安全，拒絕顯示內容。"
        "請用 `zhkg app` 啟動，或 `streamlit run app.py --server.address 127.0.0.1`。",
        "The app is bound to non-loopback address {host} without ZHKG_APP_PASSWORD; refusing to serve. "
        "Start it with `zhkg app` or `streamlit run app.py --server.address 127.0.0.1`.",
    ),
    # graph page
    "filters": ("篩選", "Filters"),
    "filter_types": ("實體類型", "Entity types"),
    "filter_community": ("社群", "Community"),
    "filter_document": ("文件", "Document"),
    "filter_min_degree": ("最小連結數", "Minimum degree"),
    "filter_relations": ("關係類型", "Relation types"),
    "filter_max_nodes": ("最多顯示節點數", "Maximum nodes shown"),
    "all": ("全部", "All"),
    "search": ("搜尋實體（中英文、別名皆可）", "Search entities (Chinese, English, aliases)"),
    "search_none": ("找不到符合「{q}」的實體。", "No entity matches “{q}”."),
    "search_pick": ("符合的實體", "Matching entities"),
    "graph_empty": ("篩選後沒有節點。請放寬條件。", "No nodes left after filtering; relax the filters."),
    "graph_hidden": (
        "顯示中心性最高的 {shown} 個節點；另有 {hidden} 個節點與 {hidden_edges} 條關係因數量過多而隱藏"
        "（可調整「最多顯示節點數」或篩選條件）。",
        "Showing the {shown} most central nodes; {hidden} more nodes and {hidden_edges} relations are "
        "hidden (raise “Maximum nodes shown” or filter).",
    ),
    "graph_summary": (
        "顯示 {nodes} 個節點、{edges} 條關係。",
        "Showing {nodes} nodes and {edges} relations.",
    ),
    "physics_off": (
        "節點數超過 {n}，已關閉物理模擬以保持流暢。",
        "More than {n} nodes: physics is off to keep the page responsive.",
    ),
    "legend": ("圖例", "Legend"),
    # entity types (see type_name)
    "etype_MODEL": ("模型", "Model"),
    "etype_TOOL": ("工具", "Tool"),
    "etype_CONCEPT": ("概念", "Concept"),
    "etype_ORG": ("組織", "Organisation"),
    "etype_PERSON": ("人物", "Person"),
    "etype_HARDWARE": ("硬體", "Hardware"),
    "etype_DATASET": ("資料集", "Dataset"),
    # entity
    "pick_entity": ("選擇實體", "Choose an entity"),
    "type": ("類型", "Type"),
    "aliases": ("別名", "Aliases"),
    "extractors": ("擷取器", "Extractors"),
    "mentions": ("提及次數", "Mentions"),
    "variant_of": ("變體所屬", "Variant of"),
    "merges": ("合併紀錄", "Merges"),
    "neighbours": ("相鄰實體（依關係類型）", "Neighbours by relation type"),
    "evidence": ("證據句", "Evidence sentences"),
    "no_evidence": ("沒有證據句。", "No evidence sentences."),
    "its_communities": ("所屬社群", "Communities"),
    "its_documents": ("提及此實體的文件", "Documents mentioning it"),
    "open_entity": ("開啟實體頁面", "Open entity page"),
    "document": ("文件", "Document"),
    "chunk": ("段落", "Chunk"),
    "context": ("上下文", "Context"),
    "show_chunk": ("顯示段落 {chunk}", "Show chunk {chunk}"),
    "none": ("（無）", "(none)"),
    "no_entities": ("工作區沒有實體。", "The workspace has no entities."),
    # communities
    "level": ("層級", "Level"),
    "members": ("成員", "Members"),
    "more_members": (
        "……另有 {n} 個成員（依中心性排序，僅列出前面的）",
        "… and {n} more (sorted by centrality)",
    ),
    "summary": ("摘要", "Summary"),
    "no_communities": ("尚未計算社群。", "No communities computed yet."),
    "parent": ("上層社群", "Parent"),
    "children": ("下層社群", "Sub-communities"),
    "report": ("報告", "Report"),
    "pick_community": ("選擇社群", "Choose a community"),
    # ask
    "mode": ("模式", "Mode"),
    "ask_placeholder": (
        "輸入問題，例如：Ollama 可以搭配哪些工具？",
        "Ask, e.g. Which tools work with Ollama?",
    ),
    "extractive_notice": (
        "未設定 LLM：答案為擷取式，直接摘錄原文句子並附上出處。"
        "設定 ZHKG_LLM_BASE_URL 與 ZHKG_LLM_MODEL 可產生生成式答案。",
        "No LLM configured: answers are extractive (source sentences quoted with citations). "
        "Set ZHKG_LLM_BASE_URL and ZHKG_LLM_MODEL for generated answers.",
    ),
    "answer_extractive": ("擷取式答案", "Extractive answer"),
    "answer_generated": ("由 LLM 生成", "Generated by the LLM"),
    "citations": ("引用來源", "Citations"),
    "no_citations": ("此答案沒有引用來源。", "This answer has no citations."),
    "evidence_graph": ("證據子圖", "Evidence subgraph"),
    "evidence_graph_empty": ("此答案未使用任何實體或關係。", "This answer used no entities or relations."),
    "ask_failed": ("無法回答：{err}", "Could not answer: {err}"),
    "ask_unavailable": ("問答模組尚未安裝：{err}", "The question-answering module is not available: {err}"),
    "clear_chat": ("清除對話", "Clear chat"),
    "thinking": ("思考中…", "Thinking…"),
    "used_mode": ("模式：{mode} · 耗時 {secs:.1f} 秒", "Mode: {mode} · {secs:.1f} s"),
    # cypher
    "neo4j_not_configured": (
        "尚未設定 Neo4j。設定 ZHKG_NEO4J_URI（例如 bolt://127.0.0.1:7687）與 ZHKG_NEO4J_PASSWORD，"
        "並執行 `zhkg sync` 後即可使用此頁面。其他頁面不需要 Neo4j。",
        "Neo4j is not configured. Set ZHKG_NEO4J_URI (e.g. bolt://127.0.0.1:7687) and "
        "ZHKG_NEO4J_PASSWORD and run `zhkg sync` to use this page. Other pages do not need Neo4j.",
    ),
    "neo4j_down": ("無法連線到 Neo4j：{err}", "Cannot reach Neo4j: {err}"),
    "readonly_refused": (
        "拒絕執行：只允許唯讀查詢。{err}",
        "Refused: only read-only queries are allowed. {err}",
    ),
    "query_failed": ("查詢失敗：{err}", "Query failed: {err}"),
    "named_queries": ("預設查詢", "Named queries"),
    "console": ("唯讀查詢主控台", "Read-only console"),
    "run": ("執行", "Run"),
    "cypher_text": ("Cypher 查詢", "Cypher query"),
    "results_table": ("結果表格", "Results table"),
    "results_graph": ("結果圖", "Results graph"),
    "rows_truncated": ("結果已截斷為 {n} 列。", "Results truncated to {n} rows."),
    "no_rows": ("查詢沒有傳回任何資料。", "The query returned no rows."),
    "queries_unavailable": ("預設查詢模組尚未提供：{err}", "Named queries are not available: {err}"),
    "bad_params": ("參數有誤：{err}", "Invalid parameters: {err}"),
    # ingest
    "upload": ("上傳檔案（Markdown、HTML、純文字）", "Upload files (Markdown, HTML, plain text)"),
    "upload_limit": ("每個檔案上限 {mb:g} MB，存放在 {dir}。", "Up to {mb:g} MB per file, saved to {dir}."),
    "ingest_uploads": ("匯入上傳的檔案", "Ingest uploaded files"),
    "folder": ("或指定資料夾路徑", "Or a folder path"),
    "folder_roots": ("允許的資料夾：{roots}", "Allowed folders: {roots}"),
    "ingest_folder": ("匯入資料夾", "Ingest folder"),
    "folder_outside": (
        "資料夾 {path} 不在允許的範圍內（{roots}）。可用 ZHKG_APP_INGEST_ROOTS 設定允許的資料夾。",
        "Folder {path} is outside the allowed area ({roots}). Set ZHKG_APP_INGEST_ROOTS to allow folders.",
    ),
    "folder_missing": ("找不到資料夾：{path}", "No such folder: {path}"),
    "nothing_uploaded": ("請先選擇要上傳的檔案。", "Choose files to upload first."),
    "file_too_large": (
        "{name}：檔案大小 {mb:.1f} MB 超過上限 {limit:g} MB，未儲存。",
        "{name}: {mb:.1f} MB exceeds the {limit:g} MB limit; not saved.",
    ),
    "bad_name": ("{name}：檔名無法使用，未儲存。", "{name}: unusable file name; not saved."),
    "ingest_busy": ("工作區正由另一個程序寫入中，請稍後再試：{err}", "The workspace is busy: {err}"),
    "ingest_failed": ("匯入失敗（工作區維持原狀）：{err}", "Ingest failed (workspace unchanged): {err}"),
    "ingest_unavailable": ("匯入模組尚未提供：{err}", "The ingest module is not available: {err}"),
    "ingest_done": (
        "完成：新匯入 {ingested} 份、未變更 {unchanged} 份、略過 {skipped} 份、"
        "失敗 {failed} 份、移除 {removed} 份。",
        "Done: {ingested} ingested, {unchanged} unchanged, {skipped} skipped, "
        "{failed} failed, {removed} removed.",
    ),
    "skipped": ("略過的檔案", "Skipped files"),
    "failed": ("失敗的檔案", "Failed files"),
    "redactions": ("已遮蔽的機密", "Redacted secrets"),
    "path": ("路徑", "Path"),
    "reason": ("原因", "Reason"),
    "line": ("行", "Line"),
    "kind": ("種類", "Kind"),
    "progress": ("匯入中 {done}/{total}：{name}", "Ingesting {done}/{total}: {name}"),
}


def tr(key: str, lang: str = "zh", **values: object) -> str:
    """The label for ``key`` in ``lang``, formatted with ``values``."""
    pair = _LABELS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**values) if values else text


def type_name(etype: object, lang: str = "zh") -> str:
    """An entity type's display name (``DATASET`` → 資料集 / Dataset); an unknown type shows as written."""
    key = f"etype_{etype}"
    return tr(key, lang) if key in _LABELS else str(etype)


def keys() -> list[str]:
    """All label keys (tests check both languages exist for each)."""
    return list(_LABELS)
