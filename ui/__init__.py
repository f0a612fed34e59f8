"""Streamlit explorer for a zhkg workspace.

``app.py`` builds a :class:`PageContext` once per run and hands it to the page
modules here; each page module separates pure logic (testable without a
browser) from its ``render(ctx)`` function.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graph.settings import Settings
    from ui.data import WorkspaceData

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageContext:
    """What every page gets: the settings and the chosen language."""

    settings: Settings
    lang: str = "zh"

    def t(self, key: str, **values: object) -> str:
        from ui.i18n import tr

        return tr(key, self.lang, **values)

    def type_name(self, etype: object) -> str:
        """An entity type in the chosen language (``DATASET`` → 資料集 / Dataset)."""
        from ui.i18n import type_name

        return type_name(etype, self.lang)

    def relation_name(self, rtype: object) -> str:
        """A relation type in the chosen language (``RUNS_ON`` → 執行於 / runs on)."""
        from ui.i18n import relation_name

        return relation_name(rtype, self.lang)

    def data(self) -> WorkspaceData | None:
        """The cached workspace, or ``None`` after showing a readable message."""
        import streamlit as st

        from graph.store import StoreError
        from ui.data import WorkspaceMissing, load

        ws = self.settings.workspace
        try:
            return load(ws)
        except WorkspaceMissing:
            st.info(self.t("no_workspace", ws=ws))
        except StoreError as exc:
            st.error(self.t("workspace_error", err=exc))
        except Exception as exc:  # a corrupt or foreign file must not show a traceback
            log.exception("cannot load workspace %s", ws)
            st.error(self.t("workspace_error", err=f"{type(exc).__name__}: {exc}"))
        return None
