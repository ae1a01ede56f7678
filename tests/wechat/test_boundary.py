"""wechatpy stays behind our adapter: no other module of ours imports it. And the deploy
check warns about plaintext mode."""

from __future__ import annotations

import ast
from pathlib import Path

import omniloop
from omniloop.wechat.checks import wechat_safe_mode

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


def test_deploy_check_warns_about_plaintext_mode(settings):
    settings.OMNILOOP_WECHAT_TOKEN = ""
    assert wechat_safe_mode() == []
    settings.OMNILOOP_WECHAT_TOKEN = "t"
    settings.OMNILOOP_WECHAT_AES_KEY = ""
    assert [m.id for m in wechat_safe_mode()] == ["omniloop.W101"]
    settings.OMNILOOP_WECHAT_AES_KEY = "k" * 43
    assert wechat_safe_mode() == []
