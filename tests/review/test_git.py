"""Real git in a temporary repository: the ``specdsl`` diff driver, the hook, the CI script."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from tests.review.conftest import ROOT, git, spec, subprocess_env


def commit(repo: Path, name: str, source: Path | str, message: str) -> None:
    text = source.read_text() if isinstance(source, Path) else source
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", message)


def test_gitattributes_declares_the_driver():
    lines = (ROOT / ".gitattributes").read_text().splitlines()
    assert "*.spec diff=specdsl" in lines


def test_git_diff_shows_the_architecture_diff(repo: Path):
    commit(repo, "model.spec", spec("dogs_cats_scratch"), "scratch")
    (repo / "model.spec").write_text(spec("dogs_cats_aug").read_text())
    r = git(repo, "diff")
    assert "specdsl diff a/model.spec → b/model.spec" in r.stdout
    assert "4 layer(s) added, 0 removed, 0 changed" in r.stdout
    assert "flip horizontal; rotate 0.1; zoom 0.2" in r.stdout
    params = next(line for line in r.stdout.splitlines() if line.strip().startswith("params"))
    assert params.split()[-1] == "±0"


def test_git_log_p_shows_summaries_and_ext_diff_the_aligned_diff(repo: Path):
    commit(repo, "model.spec", spec("vgg16_features_aug"), "features")
    commit(repo, "model.spec", spec("vgg16_finetune"), "finetune")
    log = git(repo, "log", "-p", "-1").stdout  # textconv: plain summaries, line by line
    assert "-total params: 17,992,001  trainable: 3,277,313" in log
    assert "+total params: 17,992,001  trainable: 10,356,737" in log
    assert "-freeze vgg16\n+freeze vgg16[:-4]" in log
    assert "+stage finetune: optimizer rmsprop lr=1e-5; epochs 30; trainable 10,356,737" in log
    assert "#" not in "\n".join(x for x in log.splitlines() if x.startswith(("+", "-")))
    ext = git(repo, "log", "-p", "--ext-diff", "-1").stdout
    assert "frozen → trainable" in ext and "vgg16/block5_conv3" in ext
    assert re.search(r"trainable params\s+│\s+3,277,313\s+│\s+10,356,737\s+│\s+\+7,079,424", ext)
    show = git(repo, "show", "--ext-diff", "--format=", "HEAD").stdout
    assert "specdsl diff a/model.spec → b/model.spec" in show


def test_formatting_only_commit_shows_no_difference(repo: Path):
    commit(repo, "model.spec", spec("mnist_convnet"), "mnist")
    messy = (
        "model mnist_convnet  # reformatted, comments moved\ninput 28x28x1\n"
        "classes 0 1 2 3 4 5 6 7 8 9\nconv 32 k3x3 relu; pool 2; conv 64 k3 relu; pool 2\n"
        "conv 128 k3 relu; flatten; dense 10 softmax\n"
        "loss sparse_categorical_crossentropy; optimizer rmsprop; metrics accuracy\n"
        "epochs 5; batch 64\n"
    )
    commit(repo, "model.spec", messy, "reformat")
    log = git(repo, "log", "-p", "-1").stdout
    changed = [x for x in log.splitlines() if x.startswith(("+", "-"))]
    assert changed == []  # textconv output is identical
    ext = git(repo, "log", "-p", "--ext-diff", "-1").stdout
    assert "no architecture or training difference" in ext


def test_added_file_and_broken_spec_never_break_git(repo: Path):
    (repo / "keep.txt").write_text("x\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "start")
    (repo / "new.spec").write_text(spec("mnist_convnet").read_text())
    git(repo, "add", "new.spec")
    r = git(repo, "diff", "--cached")
    assert "new model: 7 layer(s)" in r.stdout
    git(repo, "commit", "-q", "-m", "add")
    (repo / "new.spec").write_text(
        "model broken\ninput 28x28x1\nconv 32 k3 relu\ndense 10 sofmax\n"
    )
    r = git(repo, "diff")
    assert r.returncode == 0
    assert "showing a text diff of new.spec" in r.stdout and "+dense 10 sofmax" in r.stdout
    log = git(repo, "log", "-p", "-1").stdout
    assert "+conv2d (Conv2D)" in log


def _install_hook(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    shutil.copy(ROOT / "examples" / "pre-commit", hook)
    hook.chmod(0o755)


def test_pre_commit_hook(repo: Path):
    _install_hook(repo)
    (repo / "specs").mkdir()
    good = repo / "specs" / "good.spec"
    good.write_text(spec("vgg16_finetune").read_text())
    git(repo, "add", "-A")
    r = git(repo, "commit", "-m", "good", check=False)
    assert r.returncode == 0, r.stderr

    # badly formatted but valid: refused by fmt --check
    good.write_text(good.read_text().replace("epochs 30", "epochs   30"))
    git(repo, "add", "-A")
    r = git(repo, "commit", "-m", "messy", check=False)
    assert r.returncode != 0
    assert "would reformat specs/good.spec" in r.stdout + r.stderr

    # the staged version is what counts: fixing the working tree alone is not enough
    good.write_text(spec("vgg16_finetune").read_text().replace("epochs 30", "epochs 40"))
    r = git(repo, "commit", "-m", "messy", check=False)
    assert r.returncode != 0
    git(repo, "add", "-A")
    r = git(repo, "commit", "-m", "fixed", check=False)
    assert r.returncode == 0, r.stderr

    # an error: refused by check, with the position
    bad = repo / "specs" / "bad.spec"
    bad.write_text("model bad\ninput 28x28x1\nconv 32 k3 relu\nflatten\ndense 10 sofmax\n")
    git(repo, "add", "-A")
    r = git(repo, "commit", "-m", "bad", check=False)
    assert r.returncode != 0
    assert "specs/bad.spec:5" in r.stderr and "sofmax" in r.stderr
    assert "commit stopped by specdsl" in r.stderr


def test_ci_comment_script(repo: Path):
    commit(repo, "specs/model.spec", spec("vgg16_features_aug"), "base")
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, "specs/model.spec", spec("vgg16_finetune"), "finetune")
    commit(repo, "specs/extra.spec", spec("mnist_convnet"), "another model")
    script = ROOT / "examples" / "ci" / "specdsl-diff-comment.sh"
    r = subprocess.run(
        ["bash", str(script), "main", "HEAD"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith("<!-- specdsl-diff -->\n")
    assert "### specdsl diff: `vgg16_features_aug` → `vgg16_finetune`" in out
    assert "| trainable params | 3,277,313 | 10,356,737 | **+7,079,424** |" in out
    assert "### specdsl diff: `(nothing)` → `mnist_convnet`" in out
    assert "`specs/model.spec@" in out
    workflow = (ROOT / "examples" / "ci" / "specdsl-diff.yml").read_text()
    assert "specdsl-diff-comment.sh" in workflow and "pull-requests: write" in workflow
