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
    # graph page: interaction (part A)
    "degree": ("連結數", "Degree"),
    "weight": ("權重", "Weight"),
    "graph_click_hint": ("點一下看詳情，點兩下展開相鄰節點", "Click for details, double-click to expand"),
    "graph_hint": (
        "點一下：詳情 · 點兩下：展開 · Shift＋點：釘選 · 滾輪：縮放",
        "Click: details · double-click: expand · Shift+click: pin · wheel: zoom",
    ),
    "graph_other_group": ("不屬於任何社群", "Outside every community"),
    "graph_community_hint": ("點一下展開這個社群", "Click to open this community"),
    "graph_links_between": ("{n} 條關係", "{n} relations"),
    "graph_aggregated": (
        "節點太多無法逐一繪製：以社群彙總，共 {groups} 個社群、{total} 個實體。點一下社群即可展開。",
        "Too many nodes to draw one by one: {total} entities shown as {groups} communities. "
        "Click a community to open it.",
    ),
    "graph_mode": ("顯示方式", "Show"),
    "graph_mode_auto": ("自動", "Automatic"),
    "graph_mode_entities": ("重要節點", "Top entities"),
    "graph_mode_communities": ("依社群彙總", "By community"),
    "zoom_in": ("放大", "Zoom in"),
    "zoom_out": ("縮小", "Zoom out"),
    "fit": ("全圖", "Fit"),
    "fullscreen": ("全螢幕", "Fullscreen"),
    "export_png": ("下載 PNG 圖片", "Download PNG image"),
    "export_graphml": ("下載此檢視（GraphML）", "Download this view (GraphML)"),
    "export_json": ("下載此檢視（JSON）", "Download this view (JSON)"),
    "export_csv": ("下載表格（CSV）", "Download table (CSV)"),
    "export_evidence_csv": ("下載全部 {n} 句證據（CSV）", "Download all {n} evidence sentences (CSV)"),
    "export_answer": ("下載答案（Markdown）", "Download answer (Markdown)"),
    "choose": ("請選擇", "Choose"),
    "community_option": ("第 {level} 層 · {title}（{n} 個成員）", "Level {level} · {title} ({n} members)"),
    "panel_empty": (
        "在圖上點一下節點，這裡會顯示它的詳情。",
        "Click a node in the graph to see its details here.",
    ),
    "expand": ("展開", "Expand"),
    "collapse": ("收合", "Collapse"),
    "reset_expanded": ("清除展開的節點", "Clear expanded nodes"),
    "top_relations": ("主要關係", "Top relations"),
    "layout": ("版面", "Layout"),
    "layout_force": ("力導向", "Force"),
    "layout_hierarchical": ("依社群分層", "Hierarchical by community"),
    "expand_depth": ("展開深度", "Expand depth"),
    # entity types (see type_name)
    "etype_MODEL": ("模型", "Model"),
    "etype_TOOL": ("工具", "Tool"),
    "etype_CONCEPT": ("概念", "Concept"),
    "etype_ORG": ("組織", "Organisation"),
    "etype_PERSON": ("人物", "Person"),
    "etype_HARDWARE": ("硬體", "Hardware"),
    "etype_DATASET": ("資料集", "Dataset"),
    # relation types (see relation_name)
    "rtype_IS_A": ("屬於", "is a"),
    "rtype_PART_OF": ("組成部分", "part of"),
    "rtype_VARIANT_OF": ("變體", "variant of"),
    "rtype_USES": ("使用", "uses"),
    "rtype_RUNS_ON": ("執行於", "runs on"),
    "rtype_INTEGRATES": ("整合", "integrates"),
    "rtype_COMPARED_WITH": ("比較", "compared with"),
    "rtype_DEVELOPED_BY": ("開發者", "developed by"),
    "rtype_TRAINED_ON": ("訓練資料", "trained on"),
    "rtype_ALTERNATIVE_TO": ("替代", "alternative to"),
    "rtype_RELATED_TO": ("相關", "related to"),
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
    # entity page and curation (part B)
    "entity_facts": ("基本資料", "Facts"),
    "evidence_by_doc": ("證據句（依文件分組）", "Evidence sentences by document"),
    "evidence_page": ("頁次", "Page"),
    "evidence_pages": (
        "第 {page} / {pages} 頁 · 共 {n} 句，來自 {docs} 份文件",
        "Page {page} of {pages} · {n} sentences from {docs} documents",
    ),
    "evidence_doc_rows": ("{n} 句", "{n} sentences"),
    "chunk_where": ("段落 {n}{section}", "Chunk {n}{section}"),
    "sentence_not_found": ("（段落中找不到此句的原文位置）", "(this sentence was not found in the chunk)"),
    "open_document": ("開啟文件", "Open document"),
    "open_community": ("開啟社群", "Open community"),
    "deep_link": ("此實體的連結", "Link to this entity"),
    "more_neighbours": (
        "……另有 {n} 個相鄰實體（依關係強度排序，僅列出前面的）",
        "… and {n} more (strongest shown)",
    ),
    "curate": ("整理（修正此實體）", "Curate (fix this entity)"),
    "curate_help": (
        "每個動作都寫入工作區的 {file}（與 --lexicon 相同格式），立即套用，之後的匯入、匯出與 Neo4j "
        "同步都會遵守；可在下方「整理紀錄」復原。",
        "Each action is written to the workspace's {file} (the --lexicon format), applied at once and "
        "honoured by every later ingest, export and Neo4j sync; undo it under “Curation history” below.",
    ),
    "cur_ignore": ("不是實體", "Not an entity"),
    "cur_ignore_help": (
        "從圖譜移除，之後也不再擷取這個名稱與它的別名。",
        "Remove it from the graph and never extract this name or its aliases again.",
    ),
    "cur_ignore_confirm": (
        "確定「{name}」不是實體？它與別名（{aliases}）將不再被擷取，相關的關係一併移除。",
        "Is “{name}” really not an entity? It and its aliases ({aliases}) will no longer be extracted, "
        "and its relations go with it.",
    ),
    "cur_ignore_confirm_bare": (
        "確定「{name}」不是實體？之後不再擷取這個名稱，相關的關係一併移除。",
        "Is “{name}” really not an entity? It will no longer be extracted, and its relations go with it.",
    ),
    "confirm": ("確定", "Confirm"),
    "cancel": ("取消", "Cancel"),
    "apply": ("套用", "Apply"),
    "cur_retype": ("變更類型", "Change type"),
    "cur_new_type": ("新類型", "New type"),
    "cur_merge": ("合併到…", "Merge into…"),
    "cur_merge_search": ("搜尋要合併到的實體", "Search the entity to merge into"),
    "cur_merge_target": ("合併到", "Merge into"),
    "cur_merge_confirm": (
        "確定把「{name}」合併到「{into}」？兩者的提及、別名與關係將合為一個實體。",
        "Merge “{name}” into “{into}”? Their mentions, aliases and relations become one entity.",
    ),
    "cur_split": ("拆出別名", "Split an alias off"),
    "cur_split_alias": ("要拆成獨立實體的別名", "Alias that names something else"),
    "cur_no_aliases": ("此實體沒有別名可拆。", "This entity has no alias to split off."),
    "cur_rename": ("重新命名", "Rename"),
    "cur_new_name": ("新的顯示名稱", "New display name"),
    "cur_done": (
        "已套用：{what}（重新擷取 {docs} 份文件，{secs:.1f} 秒）。",
        "Applied: {what} ({docs} documents re-extracted, {secs:.1f} s).",
    ),
    "cur_undone": (
        "已復原：{what}（重新擷取 {docs} 份文件）。",
        "Undone: {what} ({docs} documents re-extracted).",
    ),
    "cur_failed": ("無法整理：{err}", "Curation failed: {err}"),
    "cur_history": ("整理紀錄", "Curation history"),
    "cur_history_empty": ("尚無整理紀錄。", "No curation yet."),
    "undo": ("復原", "Undo"),
    "cur_was_undone": ("（已復原）", "(undone)"),
    "cur_step_ignore": ("不是實體：{entity}", "Not an entity: {entity}"),
    "cur_step_retype": (
        "變更類型：{entity}（{previous} → {value}）",
        "Type of {entity}: {previous} → {value}",
    ),
    "cur_step_merge": ("合併：{entity} → {value}", "Merged: {entity} → {value}"),
    "cur_step_split": ("拆出別名：{value}（原屬 {entity}）", "Split off: {value} (from {entity})"),
    "cur_step_rename": ("重新命名：{entity} → {value}", "Renamed: {entity} → {value}"),
    "cur_file": ("紀錄檔：{path}", "File: {path}"),
    "cur_working": ("套用中…", "Applying…"),
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
    "community_tree": ("社群樹", "Community tree"),
    "tree_left_out": (
        "另有 {n} 個社群未列出（少於 {min} 個成員，或不在上層社群最重要的前幾名），仍可由連結開啟。",
        "{n} more communities are not listed (fewer than {min} members, or not among their parent's most "
        "important); links still open them.",
    ),
    "community_facts": (
        "第 {level} 層 · {n} 個成員 · 重要性 {rank}",
        "Level {level} · {n} members · importance {rank}",
    ),
    "community_graph": ("成員關係圖", "Members and their relations"),
    "key_entities": ("主要實體", "Key entities"),
    "key_relations": ("主要關係", "Key relations"),
    "its_documents_short": ("相關文件", "Documents"),
    "entities_in_doc": ("提到 {n} 個成員", "mentions {n} members"),
    "more_items": ("……另有 {n} 項", "… and {n} more"),
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
    "mode_auto": ("自動", "Automatic"),
    "mode_local": ("局部（實體）", "Local (entities)"),
    "mode_global": ("全域（社群）", "Global (communities)"),
    "mode_hybrid": ("混合", "Hybrid"),
    "page_no": ("第 {n} 頁", "p. {n}"),
    "context_of": ("[{n}] 的上下文段落", "Context of [{n}]"),
    "llm_notice": ("未使用 LLM：{err}", "The LLM was not used: {err}"),
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
    "upload_drop": ("把檔案拖放到這裡", "Drop files here"),
    "upload_limit_short": ("每個檔案上限 {mb:g} MB", "up to {mb:g} MB per file"),
    "upload_browse": ("選擇檔案", "Choose files"),
    "folder_any": ("或輸入這台電腦上的資料夾路徑", "Or a folder path on this computer"),
    "folder_local": (
        "應用程式只在本機執行，可以匯入任何你能讀取的資料夾。",
        "The app runs on this computer only, so any folder you can read may be ingested.",
    ),
    "ingest_nothing": ("沒有匯入任何文件。{done}", "Nothing was ingested. {done}"),
    "ingest_unchanged": ("沒有新的或變更的文件。{done}", "No new or changed documents. {done}"),
    "skip_binary": ("二進位檔（含 NUL 位元組）", "binary file (contains NUL bytes)"),
    "skip_empty": ("空檔案", "empty file"),
    "skip_no_text": ("空文件（沒有文字）", "empty document (no text)"),
    "skip_missing": ("找不到檔案或資料夾", "no such file or folder"),
    "skip_permission": ("無法讀取（權限不足）", "unreadable (permission denied)"),
    "skip_unreadable": ("無法讀取（{why}）", "unreadable ({why})"),
    "skip_encoding": ("二進位或未知編碼（解碼後不是可讀的中文）", "binary or unknown encoding"),
    "skip_undecodable": (
        "不是文字：無法以 UTF-8、Big5/CP950 或 GB18030 解碼",
        "not text: undecodable as UTF-8, Big5/CP950 or GB18030",
    ),
    "skip_bad_name": ("檔名無法使用（請改名後再匯入）", "unusable file name (rename it to ingest it)"),
    "skip_too_large": ("檔案過大（{size}，上限 {limit}）", "too large ({size}, limit {limit})"),
    "skip_grew": ("檔案過大（讀取時超過上限 {limit}）", "too large (grew past {limit} while read)"),
    "skip_unsupported": ("不支援的檔案類型「{ext}」", "unsupported file type “{ext}”"),
    "skip_not_regular": ("不是一般檔案", "not a regular file"),
    "skip_symlink_loop": ("符號連結形成迴圈", "symlink loop"),
    "skip_dangling": ("符號連結指向不存在的目標", "dangling symlink"),
    "skip_extraction_failed": ("擷取失敗：{why}", "extraction failed: {why}"),
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


def relation_name(rtype: object, lang: str = "zh") -> str:
    """A relation type's display name (``RUNS_ON`` → 執行於 / runs on); an unknown type shows as written."""
    key = f"rtype_{rtype}"
    return tr(key, lang) if key in _LABELS else str(rtype)


def keys() -> list[str]:
    """All label keys (tests check both languages exist for each)."""
    return list(_LABELS)
