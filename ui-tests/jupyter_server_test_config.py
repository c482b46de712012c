"""Jupyter server configuration for the labstudio UI tests (Galata).

Never use this configuration in production: it removes the token and XSRF checks.
"""
import os
import tempfile
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

c = get_config()  # noqa: F821  (provided by the traitlets config loader)

configure_jupyter_server(c)

c.ServerApp.ip = "127.0.0.1"
c.ServerApp.port = int(os.environ.get("LABSTUDIO_UI_PORT", "8899"))
c.ServerApp.port_retries = 0
c.ServerApp.open_browser = False
c.ServerApp.allow_root = True  # CI containers often run as root
c.ServerApp.jpserver_extensions = {"labstudio": True}

# Serve the labextension just built from this checkout (it wins over any copy installed
# in share/jupyter/labextensions), next to Galata's helper extension.
repo = Path(__file__).resolve().parent.parent
built = repo / "server_ext" / "labstudio" / "labextension"
if not (built / "package.json").exists():
    raise SystemExit(f"{built} is missing: run `jlpm build` at the repository root first.")
extensions_dir = Path(tempfile.mkdtemp(prefix="labstudio-ui-labextensions-"))
(extensions_dir / "labstudio").symlink_to(built, target_is_directory=True)
galata_paths = c.LabServerApp.extra_labextensions_path  # Galata sets one folder (str)
if isinstance(galata_paths, str):
    galata_paths = [galata_paths]
c.LabServerApp.extra_labextensions_path = [str(extensions_dir), *galata_paths]
