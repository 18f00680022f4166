"""Benchmark: the lecture's dogs-vs-cats convnets at 180x180, Keras against PyTorch, float32
against mixed precision, through ``specdsl train``. Run on demand (not collected by pytest):

    python tests/benchmarks/bench_train_speed.py [--data DIR] [--limit 400] [--epochs 3]
                                                 [--skip-runs] [--skip-probes]

1. runs: ``specdsl train`` of dogs_cats_scratch and dogs_cats_aug (their specs with the
   classes of tshirt_vs_shirt) in both backends, in float32 and ``--precision
   mixed_bfloat16``, one after the other in this one run; seconds and CPU seconds per epoch
   from each run's history.json (the fastest epoch after the first, which warms up: on a
   shared machine other processes only ever add time),
   the PyTorch/Keras ratio (Keras seconds / PyTorch seconds: above 1, PyTorch is faster), the
   mixed/float32 speed-up of each backend, and the test accuracy of each run;
2. probes, each in its own process (TensorFlow and PyTorch never share one): a torch.profiler
   summary of one PyTorch training step (batch 32, where the time goes), the data loader's
   stall (the time a real training loop waits for the next batch of dogs_cats_aug, with
   train.py's default workers) and the CPU cost of one augmented image, and the feature
   extraction throughput of the VGG16 specs' frozen base (images per second, batch 32) in
   both backends and precisions. The VGG16 weights are random (Keras's ImageNet file is not
   needed): the speed does not depend on them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPECS = ("dogs_cats_scratch", "dogs_cats_aug")
PRECISIONS = ("float32", "mixed_bfloat16")

PROFILE = textwrap.dedent(
    """
    import sys, time, torch
    from torch.profiler import ProfilerActivity, profile
    sys.path.insert(0, sys.argv[1])
    import train  # the emitted train.py (its model class, optimizer, loss)
    train.keep_freed_memory()
    model = train.DogsCatsScratch().to(memory_format=torch.channels_last)
    opt = train.make_optimizer("rmsprop", list(model.parameters()), 1e-3)
    x = (torch.rand(32, 3, 180, 180) * 255).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 2, (32,))
    def step(amp):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=amp):
            out = model.logits(x)
        loss = train.compute_loss(out.float(), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    for amp in (False, True):
        for _ in range(2):
            step(amp)
        with profile(activities=[ProfilerActivity.CPU]) as p:
            for _ in range(3):
                step(amp)
        events = [e for e in p.key_averages() if e.key.startswith("aten::")]
        total = sum(e.self_cpu_time_total for e in events)
        top = sorted(events, key=lambda e: -e.self_cpu_time_total)[:7]
        name = "mixed_bfloat16" if amp else "float32"
        print(f"PyTorch step, {name}: {total / 3e3:.0f} ms of CPU per step (aten ops)")
        for e in top:
            print(f"  {e.key:40s} {100 * e.self_cpu_time_total / total:5.1f}%")
    """
)

STALL = textwrap.dedent(
    """
    import os, sys, time, torch
    sys.path.insert(0, sys.argv[1])
    import data, train
    train.keep_freed_memory()
    limit, workers = int(sys.argv[3]), min(4, os.cpu_count() or 1)
    sets = data.load_datasets(sys.argv[2], limit)
    ds = sets["train"]
    torch.set_num_threads(1)  # one DataLoader worker's view: the cost of one image
    start = time.process_time()
    for i in range(64):
        ds[i]
    per_image = (time.process_time() - start) / 64 * 1000
    torch.set_num_threads(os.cpu_count() or 1)
    model = train.DogsCatsAug().to(memory_format=torch.channels_last)
    opt = train.make_optimizer("rmsprop", list(model.parameters()), 1e-3)
    loader = data.make_loader(ds, 32, True, workers=workers, seed=0)
    for epoch in range(2):  # the first epoch starts the workers
        loader.set_epoch(epoch)
        waited, begin, it = 0.0, time.perf_counter(), iter(loader)
        while True:
            t = time.perf_counter()
            batch = next(it, None)
            waited += time.perf_counter() - t
            if batch is None:
                break
            x = batch[0].contiguous(memory_format=torch.channels_last)
            loss = train.compute_loss(model.logits(x), batch[1])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        total = time.perf_counter() - begin
    print(f"data loader (dogs_cats_aug, {workers} workers, {len(ds)} images): waited "
          f"{waited:.2f} s of a {total:.1f} s epoch ({100 * waited / total:.1f}%); "
          f"one augmented image costs {per_image:.2f} ms of CPU in a worker")
    """
)

FEATURES_TORCH = textwrap.dedent(
    """
    import sys, time, torch
    sys.path.insert(0, sys.argv[1])
    import model as m
    import train
    train.keep_freed_memory()  # as train.py does
    torch.set_grad_enabled(False)
    net = m.Vgg16Features().eval().to(memory_format=torch.channels_last)
    x = (torch.rand(32, 3, 180, 180) * 255).contiguous(memory_format=torch.channels_last)
    for amp in (False, True):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=amp):
            net.features(x)
            start, n = time.perf_counter(), 3
            for _ in range(n):
                net.features(x).float()
        rate = 32 * n / (time.perf_counter() - start)
        print(f"VGG16 features, PyTorch {'mixed_bfloat16' if amp else 'float32'}: "
              f"{rate:.1f} images/s")
    """
)

FEATURES_KERAS = textwrap.dedent(
    """
    import os, sys, time
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras, numpy as np
    keras.mixed_precision.set_global_policy(sys.argv[2])
    sys.path.insert(0, sys.argv[1])
    import model as m
    base = m.build_model().get_layer("vgg16")
    x = np.random.rand(32, 180, 180, 3).astype("float32") * 255
    base.predict_on_batch(x)
    start, n = time.perf_counter(), 3
    for _ in range(n):
        base.predict_on_batch(x)
    rate = 32 * n / (time.perf_counter() - start)
    print(f"VGG16 features, Keras {sys.argv[2]}: {rate:.1f} images/s")
    """
)


def lecture_spec(name: str, folder: Path) -> Path:
    """The lecture's spec with tshirt_vs_shirt's classes (the models are the same)."""
    text = (ROOT / "specs" / f"{name}.spec").read_text()
    path = folder / f"{name}.spec"
    path.write_text(text.replace("classes cat dog", "classes shirt tshirt"))
    return path


def specdsl(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "specdsl", *args], text=True, **kw)


def train_run(spec: Path, backend: str, precision: str, args, tmp: Path) -> dict:
    run_dir = tmp / f"{spec.stem}-{backend}-{precision}"
    cmd = ["train", str(spec), "--backend", backend, "--data", str(args.data / "tshirt_vs_shirt")]
    cmd += ["--limit", str(args.limit), "--epochs", str(args.epochs), "--run-dir", str(run_dir)]
    cmd += ["--precision", precision]
    result = specdsl(*cmd, capture_output=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{result.stderr[-2000:]}")
    record = json.loads((run_dir / "history.json").read_text())
    steady = slice(1, None) if len(record["epoch_seconds"]) > 1 else slice(None)
    return {  # the fastest epoch: another process's load only ever adds time
        "s": min(record["epoch_seconds"][steady]),
        "cpu": min(record["epoch_cpu_seconds"][steady]),
        "acc": (record.get("test") or {}).get("accuracy"),
        "val_loss": [round(v, 3) for v in record["history"].get("val_loss", [])],
    }


def runs(args, tmp: Path) -> None:
    results = {}
    for name in SPECS:
        spec = lecture_spec(name, tmp)
        for precision in PRECISIONS:
            for backend in ("keras", "pytorch"):
                r = train_run(spec, backend, precision, args, tmp)
                results[name, backend, precision] = r
                print(f"{name:18s} {backend:8s} {precision:15s} {r['s']:6.2f} s/epoch "
                      f"{r['cpu']:6.2f} CPU s/epoch  test accuracy {r['acc']:.3f}  "
                      f"val_loss {r['val_loss']}")  # fmt: skip
    sys.stdout.flush()
    print("\nratios (higher is faster):")
    for name in SPECS:
        for precision in PRECISIONS:
            k, p = results[name, "keras", precision], results[name, "pytorch", precision]
            print(f"  {name} {precision}: PyTorch/Keras {k['s'] / p['s']:.2f} on the clock, "
                  f"{k['cpu'] / p['cpu']:.2f} in CPU time")  # fmt: skip
        for backend in ("keras", "pytorch"):
            f, m = results[name, backend, "float32"], results[name, backend, "mixed_bfloat16"]
            print(f"  {name} {backend}: mixed/float32 {f['s'] / m['s']:.2f} on the clock, "
                  f"{f['cpu'] / m['cpu']:.2f} in CPU time; test accuracy "
                  f"{f['acc']:.3f} -> {m['acc']:.3f}")  # fmt: skip


def probes(args, tmp: Path) -> None:
    packages = {}
    for name, backend in (
        ("dogs_cats_scratch", "pytorch"),
        ("dogs_cats_aug", "pytorch"),
        ("vgg16_features", "pytorch"),
        ("vgg16_features", "keras"),
    ):
        spec = lecture_spec(name, tmp) if name in SPECS else ROOT / "specs" / f"{name}.spec"
        out = tmp / f"build-{name}-{backend}"
        result = specdsl(
            "build", str(spec), "--backend", backend, "-o", str(out), capture_output=True
        )
        if result.returncode != 0:
            sys.exit(f"building {name} for {backend} failed")
        packages[name, backend] = str(out)
    data = str(args.data / "tshirt_vs_shirt")
    scripts = [
        (PROFILE, packages["dogs_cats_scratch", "pytorch"]),
        (STALL, packages["dogs_cats_aug", "pytorch"], data, str(args.limit)),
        (FEATURES_TORCH, packages["vgg16_features", "pytorch"]),
        (FEATURES_KERAS, packages["vgg16_features", "keras"], "float32"),
        (FEATURES_KERAS, packages["vgg16_features", "keras"], "mixed_bfloat16"),
    ]
    for code, *argv in scripts:
        env = {"OMP_WAIT_POLICY": "PASSIVE"} | dict(os.environ)  # as specdsl train runs train.py
        result = subprocess.run(
            [sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=tmp, env=env
        )
        lines = [line for line in result.stdout.splitlines() if line.strip()]
        print("\n".join(lines) if result.returncode == 0 else result.stderr[-1500:], flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data = Path(os.environ.get("SPECDSL_SHARED_DATA", ROOT.parent / "shared" / "data"))
    parser.add_argument("--data", type=Path, default=default_data, help="the shared data folder")
    parser.add_argument("--limit", type=int, default=400, help="images per split (--limit)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per run (first warms up)")
    parser.add_argument("--skip-runs", action="store_true", help="only the probes")
    parser.add_argument("--skip-probes", action="store_true", help="only the runs")
    args = parser.parse_args()
    if not (args.data / "tshirt_vs_shirt").is_dir():
        print(f"error: {args.data / 'tshirt_vs_shirt'}: no such data folder", file=sys.stderr)
        return 1
    print(f"limit {args.limit} per split, {args.epochs} epochs, batch 32, {os.cpu_count()} CPUs")
    print(f"load average at the start: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="bench-train-speed-") as tmp:
        if not args.skip_probes:
            probes(args, Path(tmp))
        if not args.skip_runs:
            runs(args, Path(tmp))
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
