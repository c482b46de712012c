"""Where the SDK is running: a Jupyter kernel with a frontend (widgets) or a terminal (text)."""
from __future__ import annotations

import sys
from typing import Any

from ..config import Settings


def shell() -> Any:
    """The running IPython shell, or None outside IPython (never imports IPython itself)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    try:
        return ipython.get_ipython()
    except Exception:  # pragma: no cover - defensive: a broken IPython install
        return None


def in_notebook() -> bool:
    """True in a Jupyter kernel (ZMQ shell) where ipywidgets can render; LABSTUDIO_WIDGETS=0 forces text."""
    if not Settings.from_env().widgets:
        return False
    ip = shell()
    if ip is None or type(ip).__name__ != "ZMQInteractiveShell" or getattr(ip, "kernel", None) is None:
        return False
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def display(obj: Any) -> None:
    from IPython.display import display as ipy_display

    ipy_display(obj)
