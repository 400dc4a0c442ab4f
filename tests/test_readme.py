"""The README's Python blocks run as written and print what their comments say."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
#: ``print(...)  # expected output`` lines: the comment is what the README promises.
PROMISE = re.compile(r"^print\(.*\)[ \t]+#[ \t]*(.+)$", flags=re.M)


def test_readme_has_python_blocks():
    assert BLOCKS, "README.md lost its quick-start code"


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_block_runs(block, capsys):
    exec(compile(block, str(README), "exec"), {"__name__": "__readme__"})
    out = capsys.readouterr().out
    assert out  # every block prints something
    for promised in PROMISE.findall(block):
        assert promised.strip() in out, f"README promises {promised!r}; printed:\n{out}"
