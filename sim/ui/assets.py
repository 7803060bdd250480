"""Solara's front-end assets served locally, so the UI works with no CDN.

A Solara page loads part of its front-end (the Vuetify app, fonts, RequireJS, Font
Awesome, and vega / vega-lite / vega-embed for Altair charts) through the server's
``/_solara/cdn/`` proxy, which fetches each file from a public CDN on first use and keeps
it in ``SOLARA_ASSETS_PROXY_CACHE_DIR``. Many networks (this one, many government ones)
reach no CDN. :func:`ensure_assets` fills that cache from the npm registry instead: for
each package it runs ``npm pack NAME@VERSION`` and unpacks the tarball into
``CACHE/NAME@VERSION/``, the layout the proxy reads (``CACHE/vega@5/build/vega.min.js``).

Run ``python -m sim.ui.assets [DIR]`` (``make ui-assets``) to fill the cache once;
``sezsim ui`` does it too when something is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Asset", "default_cache_dir", "ensure_assets", "missing_assets", "required_assets"]


@dataclass(frozen=True)
class Asset:
    """One npm package as the page asks for it, and a file that proves it is unpacked.

    Attributes:
        url_spec: the ``name@version`` in the page's URL (``vega@5`` is a semver range,
            resolved by ``npm pack`` to the newest 5.x, as the CDN would).
        probe: a file inside the package that the page loads.
    """

    url_spec: str
    probe: str


def _vuetify_app_version() -> str:
    """The ``@widgetti/solara-vuetify3-app`` version the installed Solara's page loads."""
    import solara.server

    template = Path(solara.server.__file__).parent / "templates" / "solara.html.j2"
    found = re.search(r"@widgetti/solara-vuetify3-app@([\w.\-]+)/", template.read_text())
    return found.group(1) if found else "5.2.0"


def required_assets() -> list[Asset]:
    """The packages a page of this UI loads through the proxy (read off the browser log).

    ``solara-vuetify3-app``'s version follows the installed Solara; the others are the
    versions Solara's own code names (``widgets/vue/vegalite.vue`` for vega and RequireJS,
    ``settings.assets.fontawesome_path`` for Font Awesome).
    """
    app = f"@widgetti/solara-vuetify3-app@{_vuetify_app_version()}"
    return [
        Asset(app, "dist/solara-vuetify-app8.js"),
        Asset("requirejs@2.3.6", "require.js"),
        Asset("font-awesome@4.5.0", "css/font-awesome.min.css"),
        Asset("vega@5", "build/vega.min.js"),
        Asset("vega-lite@5", "build/vega-lite.min.js"),
        Asset("vega-embed@6", "build/vega-embed.min.js"),
    ]


def default_cache_dir() -> Path:
    """Where the Solara server reads the cache: the environment's setting, else its default.

    The default (``<venv>/share/solara/cdn``) is also what a plain ``solara run`` uses, so
    filling it makes ``solara run sim/ui/app.py`` work offline too.
    """
    env = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
    if env:
        return Path(env)
    return Path(sys.prefix) / "share" / "solara" / "cdn"


def missing_assets(cache_dir: Path | None = None) -> list[Asset]:
    """Assets whose probe file is not in the cache."""
    root = cache_dir or default_cache_dir()
    return [a for a in required_assets() if not (root / a.url_spec / a.probe).is_file()]


def _unpack(tarball: Path, target: Path) -> None:
    """Unpack an npm tarball's ``package/`` folder into ``target`` (replacing it)."""
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".unpack-"))
    try:
        with tarfile.open(tarball) as tar:
            tar.extractall(staging, filter="data")
        inner = next(p for p in staging.iterdir() if p.is_dir())  # "package/" as a rule
        if target.exists():
            shutil.rmtree(target)
        inner.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def ensure_assets(cache_dir: Path | None = None, npm: str = "npm", quiet: bool = False) -> Path:
    """Fetch every missing asset with ``npm pack`` into the cache; return the cache folder.

    Raises:
        RuntimeError: npm is missing or a package cannot be fetched (the message says which).
    """
    root = (cache_dir or default_cache_dir()).resolve()
    todo = missing_assets(root)
    if not todo:
        return root
    exe = shutil.which(npm)
    if exe is None:
        names = ", ".join(a.url_spec for a in todo)
        raise RuntimeError(f"npm not found; cannot fetch the UI's front-end assets ({names})")
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sezsim-npm-") as tmp:
        for asset in todo:
            if not quiet:
                print(f"fetching {asset.url_spec} from the npm registry", file=sys.stderr)
            done = subprocess.run(
                [exe, "pack", asset.url_spec, "--pack-destination", tmp, "--silent"],
                cwd=tmp,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise RuntimeError(f"npm pack {asset.url_spec} failed: {done.stderr.strip()}")
            tarball = Path(tmp) / done.stdout.strip().splitlines()[-1]
            target = root / asset.url_spec
            target.parent.mkdir(parents=True, exist_ok=True)
            _unpack(tarball, target)
            tarball.unlink()
    still = missing_assets(root)
    if still:
        raise RuntimeError(f"assets still missing after npm pack: {[a.url_spec for a in still]}")
    return root


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.ui.assets [DIR]``: fill the cache (default: Solara's own)."""
    args = sys.argv[1:] if argv is None else argv
    root = ensure_assets(Path(args[0]) if args else None)
    print(f"UI assets ready in {root}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
