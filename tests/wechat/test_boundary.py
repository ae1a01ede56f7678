"""wechatpy stays behind our adapter: no other module of ours imports it."""

from __future__ import annotations

import ast
from pathlib import Path

import omniloop

ADAPTER = Path(omniloop.__file__).parent / "wechat" / "adapter.py"


def _imports_wechatpy(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            a.name.split(".")[0] == "wechatpy" for a in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "wechatpy":
            return True
    return False


def test_only_the_adapter_imports_wechatpy():
    root = Path(omniloop.__file__).parent
    importers = {p for p in root.rglob("*.py") if _imports_wechatpy(p)}
    assert importers == {ADAPTER}
