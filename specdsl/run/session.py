"""Open an ONNX Runtime session on the CUDA or the CPU provider, and say which one runs.

ONNX Runtime falls back to the CPU silently when the CUDA provider cannot start (no
``onnxruntime-gpu``, no GPU, missing CUDA libraries). So the provider that really runs is read
back from the session, and ``--device cuda`` fails unless it is CUDA.
"""

from __future__ import annotations

from pathlib import Path

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"
DEVICES = ("auto", "cpu", "cuda")


class SessionError(Exception):
    """The model cannot be opened, or not on the device asked for (one line)."""


def _ort():
    try:
        import onnxruntime as ort
    except ImportError:
        raise SessionError(
            "specdsl run needs onnxruntime: pip install specdsl[onnx] (or specdsl[gpu] for CUDA)"
        ) from None

    ort.set_default_logger_severity(3)  # our own messages say what happened
    return ort


def _open(ort, path: Path, providers: list[str], threads: int | None):
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    # the next batch is decoded on another thread meanwhile: idle ORT threads must not spin
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if threads:
        opts.intra_op_num_threads = threads
    try:
        return ort.InferenceSession(str(path), sess_options=opts, providers=providers)
    except Exception as e:  # ORT raises its own exception kinds (Fail, InvalidProtobuf, ...)
        lines = str(e).strip().splitlines()
        reason = lines[-1] if lines else type(e).__name__
        reason = reason.split("] ", 1)[-1]
        raise SessionError(f"{path}: cannot load the model ({reason})") from None


def cuda_listed() -> bool:
    """Whether this onnxruntime has a CUDA provider at all (onnxruntime-gpu)."""
    return CUDA in _ort().get_available_providers()


def open_session(path: str | Path, device: str = "auto", threads: int | None = None):
    """(session, provider that runs it). ``device``: auto (CUDA if usable), cpu or cuda."""
    path = Path(path)
    if not path.is_file():
        raise SessionError(f"{path}: no such model file")
    ort = _ort()
    available = ort.get_available_providers()
    if device == "cpu" or (device == "auto" and CUDA not in available):
        sess = _open(ort, path, [CPU], threads)
        return sess, CPU
    if CUDA not in available:
        raise SessionError(
            f"--device cuda: this onnxruntime {ort.__version__} has no CUDA provider "
            f"(it has {', '.join(available)}); install onnxruntime-gpu (pip install specdsl[gpu])"
        )
    sess = _open(ort, path, [CUDA, CPU], threads)
    running = sess.get_providers()[0]
    if running == CUDA:
        return sess, CUDA
    if device == "cuda":
        raise SessionError(
            "--device cuda: onnxruntime-gpu is installed but the CUDA provider did not start "
            "(no GPU visible, or the CUDA/cuDNN libraries it needs are missing)"
        )
    return sess, running
