"""The password gate, run before any page renders.

With ``ZHKG_APP_PASSWORD`` set, every session must enter it once; the compare
is constant-time. Without one, the app serves only a loopback address: if it
finds itself bound elsewhere (someone ran ``streamlit run`` by hand with
``--server.address 0.0.0.0``) it refuses to show anything.
"""

from __future__ import annotations

import hashlib
import hmac

import streamlit as st

from graph.settings import is_loopback
from ui import PageContext

AUTH_KEY = "zhkg_auth"


def password_ok(given: str, expected: str) -> bool:
    """Constant-time comparison (digests first, so length does not leak either)."""
    a = hashlib.sha256(given.encode("utf-8")).digest()
    b = hashlib.sha256(expected.encode("utf-8")).digest()
    return hmac.compare_digest(a, b)


def _bound_host() -> str:
    try:
        return str(st.get_option("server.address") or "")
    except Exception:
        return ""


def gate(ctx: PageContext) -> bool:
    """True when the session may see pages; otherwise renders the login form or the refusal."""
    expected = ctx.settings.app_password
    if not expected:
        host = _bound_host()
        # Streamlit's default (unset) address listens on every interface.
        if host and is_loopback(host):
            return True
        st.error(ctx.t("exposed_without_password", host=host or "0.0.0.0"))
        return False
    if st.session_state.get(AUTH_KEY) is True:
        return True
    st.title(ctx.t("app_title"))
    st.info(ctx.t("login_needed"))
    with st.form("login"):
        given = st.text_input(ctx.t("password"), type="password", key="login_password")
        ok = st.form_submit_button(ctx.t("login"))
    if ok:
        if password_ok(given, expected):
            st.session_state[AUTH_KEY] = True
            st.session_state.pop("login_password", None)
            st.rerun()
        st.error(ctx.t("wrong_password"))
    return False
