"""The password gate, run before any page renders.

With ``ZHKG_APP_PASSWORD`` set, every session must enter it once; the compare
is constant-time. Without one, the app serves only a loopback address: if it
finds itself bound elsewhere (someone ran ``streamlit run`` by hand with
``--server.address 0.0.0.0``) it refuses to show anything.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time

import streamlit as st

from graph.settings import is_loopback
from ui import PageContext

AUTH_KEY = "zhkg_auth"


class AttemptThrottle:
    """Slows password guessing: after ``free`` failures in a row from one client, each further
    attempt must wait twice as long as the last (``base_s``, doubling, at most ``cap_s``).

    One per server process, keyed by the client's address when Streamlit knows it (a new browser
    session does not reset it); a success clears the key.
    """

    def __init__(self, free: int = 5, base_s: float = 2.0, cap_s: float = 300.0) -> None:
        self.free, self.base_s, self.cap_s = free, base_s, cap_s
        self._fails: dict[str, tuple[int, float]] = {}  # key → (failures, time of the last)
        self._lock = threading.Lock()

    def wait_s(self, key: str, now: float | None = None) -> float:
        """Seconds until ``key`` may try again (0: now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            n, last = self._fails.get(key, (0, 0.0))
        if n < self.free:
            return 0.0
        delay = min(self.cap_s, self.base_s * 2 ** (n - self.free))
        return max(0.0, last + delay - now)

    def failed(self, key: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            n, _ = self._fails.get(key, (0, 0.0))
            self._fails[key] = (n + 1, now)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._fails.pop(key, None)


THROTTLE = AttemptThrottle()


def _client_key() -> str:
    try:
        return str(getattr(st.context, "ip_address", None) or "any")
    except Exception:
        return "any"


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
        key = _client_key()
        wait = THROTTLE.wait_s(key)
        if wait > 0:  # not even checked: a guess during the wait costs the guesser, not the server
            st.error(ctx.t("too_many_attempts", secs=f"{wait:.0f}"))
            return False
        if password_ok(given, expected):
            THROTTLE.succeeded(key)
            st.session_state[AUTH_KEY] = True
            st.session_state.pop("login_password", None)
            st.rerun()
        THROTTLE.failed(key)
        st.error(ctx.t("wrong_password"))
    return False
