"""The TextMate grammar under VS Code's own engine (vscode-textmate), by vscode-tmgrammar-test.

tests/lsp/textmate/*.spec.test are the lecture's six specs and the graph syntax, each line
followed by the scopes its words, numbers, names, strings and comments must have
(written by tests/lsp/textmate/write_tests.py from the language's rules, not from the grammar).
"""

from __future__ import annotations

import subprocess

from tests.conftest import LECTURE_NAMES, ROOT
from tests.lsp.textmate import write_tests

CASES = ROOT / "tests" / "lsp" / "textmate"
VSCODE = ROOT / "editors" / "vscode"


def test_cases_cover_the_lecture_specs_as_they_are():
    assert set(write_tests.LECTURE) == set(LECTURE_NAMES)
    for name in LECTURE_NAMES:
        text = (ROOT / "specs" / f"{name}.spec").read_text(encoding="utf-8")
        case = (CASES / f"{name}.spec.test").read_text(encoding="utf-8")
        assert case == write_tests.test_file(f"specs/{name}.spec", text.splitlines()), (
            f"{name}.spec changed: python tests/lsp/textmate/write_tests.py"
        )


def test_grammar_scopes_every_case_under_vscode_textmate():
    from tests.lsp.npm_tools import npm_tool

    tool = npm_tool("vscode-tmgrammar-test", "vscode-tmgrammar-test")
    cases = sorted(CASES.glob("*.spec.test"))
    assert len(cases) >= 8
    # run from the extension: the tool reads the grammar from its package.json
    done = subprocess.run(
        [str(tool), "--compact", str(CASES / "*.spec.test")],
        cwd=VSCODE,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    for case in cases:
        assert f"{case} run successfuly" in report, report


def test_a_wrong_scope_fails(tmp_path):
    """The tool really checks: a case that expects `conv` to be a number fails."""
    from tests.lsp.npm_tools import npm_tool

    tool = npm_tool("vscode-tmgrammar-test", "vscode-tmgrammar-test")
    case = tmp_path / "wrong.spec.test"
    case.write_text(
        '# SYNTAX TEST "source.specdsl" "wrong"\nconv 32 k3\n# <---- constant.numeric.specdsl\n'
    )
    done = subprocess.run(
        [str(tool), "--compact", str(case)],
        cwd=VSCODE,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "Missing required scopes: [ constant.numeric.specdsl ]" in done.stdout + done.stderr
