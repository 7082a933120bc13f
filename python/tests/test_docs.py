"""The worked example in docs/python.md runs as written and prints what the page shows: its
code blocks are executed in order, in one namespace, from the repository root, and each
block's output is compared with the text block that follows it."""
import contextlib
import io
import os
import re

from conftest import REPO

FENCE = re.compile(r"```(\w+)\n(.*?)```", re.S)


def _blocks(text):
    """(code, expected output or None) for each Python block of the page, in order."""
    fences = list(FENCE.finditer(text))
    pairs = []
    for k, fence in enumerate(fences):
        if fence.group(1) != "python":
            continue
        follows = fences[k + 1] if k + 1 < len(fences) else None
        shown = (follows is not None and follows.group(1) == "text"
                 and not text[fence.end():follows.start()].strip())
        pairs.append((fence.group(2), follows.group(2) if shown else None))
    return pairs


def test_the_python_guide_prints_what_it_shows(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(REPO)
    pairs = _blocks((REPO / "docs" / "python.md").read_text(encoding="utf-8"))
    assert len(pairs) >= 5
    namespace = {}
    for code, shown in pairs:
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, "docs/python.md", "exec"), namespace)  # noqa: S102
        if shown is not None:
            got = [line.rstrip() for line in printed.getvalue().splitlines()]
            want = [line.rstrip() for line in shown.splitlines()]
            assert got == want, f"docs/python.md block\n{code}\nprinted\n" + os.linesep.join(got)
