"""The page's files without a browser: every module a file imports exists and exports the names imported,
the page loads only its own files, and none of them reaches another origin."""

from __future__ import annotations

import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[3] / "src" / "reelforge" / "server" / "web"
IMPORT = re.compile(r'import\s*\{([^}]*)\}\s*from\s*"\./([\w.-]+)"')
EXPORT = re.compile(r"export\s+(?:async\s+)?(?:function|class|const|let)\s+(\w+)")


def test_every_import_names_an_export_of_a_module_that_exists() -> None:
    modules = {p.name: p.read_text(encoding="utf-8") for p in WEB.glob("*.js")}
    exports = {name: set(EXPORT.findall(text)) for name, text in modules.items()}
    for name, text in modules.items():
        for names, source in IMPORT.findall(text):
            assert source in modules, f"{name} imports ./{source}, which does not exist"
            wanted = {n.strip() for n in names.split(",") if n.strip()}
            assert wanted <= exports[source], f"{name} imports {wanted - exports[source]} that ./{source} lacks"


def test_the_page_uses_its_own_files_only() -> None:
    index = (WEB / "index.html").read_text(encoding="utf-8")
    assert '<script type="module" src="/web/app.js">' in index and 'href="/web/app.css"' in index
    assert '<html lang="en">' in index and 'name="viewport"' in index
    for path in WEB.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text), f"{path.name} reaches another origin"
        assert "localStorage" not in text, f"{path.name}: the token lives in sessionStorage only"
