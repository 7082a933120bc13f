"""The package as shipped: its Python sources stay within the oldest Python it promises."""
import ast
import re

from conftest import REPO


def test_sources_parse_as_the_oldest_supported_python():
    """pyproject.toml promises Python 3.9 (the stable ABI's floor); this machine runs a newer
    one, so the grammar is checked against 3.9's (no match statements, no parenthesised
    context managers, ...)."""
    pyproject = (REPO / "python" / "pyproject.toml").read_text()
    floor = re.search(r'requires-python = ">=3\.(\d+)"', pyproject)
    assert floor is not None
    sources = sorted((REPO / "python" / "tandem").glob("*.py"))
    assert sources
    for path in sources:
        ast.parse(path.read_text(), str(path), feature_version=(3, int(floor.group(1))))
