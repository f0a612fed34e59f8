"""Notes that point at each other: document links, and note aliases that name an entity.

Links: ``[[wikilinks]]`` and relative Markdown links resolved to documents in the workspace.

Extraction records each document's link targets as written (``extract.clean.link_target``: no
``#heading``, no ``.md``, no Notion id). A target names a note by its file name, its title or one of
its front-matter aliases (Obsidian's rule), or, when it holds a folder part, a path relative to the
linking document. Targets outside the workspace stay unresolved (the note may simply not exist yet).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import PurePosixPath

from extract.clean import file_title, strip_notion_id
from extract.normalize import match_key
from extract.records import Entity
from graph.records import StoredDocument


def _stem_path(group: str, path: str) -> str:
    """A document's real location without its suffix, as a comparable key."""
    stem = PurePosixPath(path.replace("\\", "/")).stem
    return os.path.normpath(os.path.join(group, strip_notion_id(stem)))


def resolve_links(docs: Sequence[StoredDocument]) -> list[tuple[str, str]]:
    """(source id, target id) for every link whose target is a stored document; no self-links."""
    by_name: dict[str, str] = {}
    by_path: dict[str, str] = {}
    for d in sorted(docs, key=lambda d: d.path):  # first by path wins a clash: deterministic
        by_path.setdefault(_stem_path(d.group, d.path), d.id)
        names: Iterable[str] = (
            file_title(PurePosixPath(d.path.replace("\\", "/")).name),
            d.title,
            *d.aliases,
        )
        for n in names:
            key = match_key(n)
            if key:
                by_name.setdefault(key, d.id)
    out: set[tuple[str, str]] = set()
    for d in docs:
        for target in d.links:
            dst = None
            if "/" in target:
                dst = by_path.get(os.path.normpath(os.path.join(d.group, target)))
            dst = dst or by_name.get(match_key(PurePosixPath(target).name))
            if dst and dst != d.id:
                out.add((d.id, dst))
    return sorted(out)


def note_aliases(
    entities: Sequence[Entity], key_to_entity: Mapping[str, str], docs: Sequence[StoredDocument]
) -> tuple[list[Entity], dict[str, str]]:
    """Front-matter ``aliases:`` of a note become aliases of the entity the note is about.

    A note is about an entity when its title (or file name) matches the entity's name or one of
    its keys, as an Obsidian page ``Ollama.md`` with ``aliases: [歐拉瑪]`` is about Ollama. The
    aliases are added to the entity and their keys point to it, so a search for any of them finds
    it; a key already owned by another entity is left with that entity.
    """
    by_key = dict(key_to_entity)
    for e in entities:
        by_key.setdefault(match_key(e.name), e.id)
    extra: dict[str, list[str]] = {}
    for d in docs:
        if not d.aliases:
            continue
        names = (d.title, file_title(PurePosixPath(d.path.replace("\\", "/")).name))
        eid = next((by_key[k] for k in map(match_key, names) if k in by_key), None)
        if eid is None:
            continue
        for alias in d.aliases:
            key = match_key(alias)
            if key and by_key.setdefault(key, eid) == eid:
                extra.setdefault(eid, []).append(alias)
    if not extra:
        return list(entities), dict(key_to_entity)
    out = []
    for e in entities:
        more = [a for a in extra.get(e.id, []) if a not in e.aliases and a != e.name]
        out.append(replace(e, aliases=(*e.aliases, *dict.fromkeys(more))) if more else e)
    keys = dict(key_to_entity)
    for eid, aliases in extra.items():
        for alias in aliases:
            keys.setdefault(match_key(alias), eid)
    return out, keys
