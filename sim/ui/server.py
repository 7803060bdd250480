"""Start the Solara server for the UI, with its front-end assets served locally."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sim.ui.assets import ensure_assets

__all__ = ["APP", "serve", "server_environment"]

#: The Solara app file (``solara run sim/ui/app.py`` runs the same).
APP = Path(__file__).resolve().parent / "app.py"


def server_environment(cache_dir: Path | None = None) -> dict[str, str]:
    """The environment of the server: local assets, no telemetry, no call-home check."""
    env = dict(os.environ)
    if cache_dir is not None:
        env["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(cache_dir)
    # Solara reports usage to a public endpoint by default; an offline server must not try.
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    return env


def serve(host: str = "127.0.0.1", port: int = 8765, production: bool = True) -> None:
    """Fetch missing assets (npm), then become ``solara run sim/ui/app.py`` (never returns).

    The process is replaced (``exec``), so a signal to ``sezsim ui`` reaches the server.
    Production mode turns off hot reload and the page's check-home request.
    """
    try:
        cache = ensure_assets()
    except RuntimeError as err:
        print(f"warning: {err}; the page will try the public CDN", file=sys.stderr)
        cache = None
    cmd = [sys.executable, "-m", "solara", "run", str(APP), "--host", host, "--port", str(port)]
    cmd += ["--no-open", "--log-level", "warning"] + (["--production"] if production else [])
    print(f"sezsim UI: http://{host}:{port}/  (Ctrl-C stops it)", flush=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, cmd, server_environment(cache))
