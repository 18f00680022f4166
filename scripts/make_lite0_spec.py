"""Write specs/efficientnet_lite0_imagenet.spec: EfficientNet-Lite0 for ImageNet in the language.

    .venv/bin/python scripts/make_lite0_spec.py            # writes the spec
    .venv/bin/python scripts/make_lite0_spec.py --check    # exit 1 when the committed one differs

The architecture is EfficientNet-B0's block table (Tan & Le 2019) with the Lite changes
(no squeeze-excite, ReLU6, stem and head kept at 32 and 1280 filters), as the
efficientnet_pytorch state dict in ../shared/data/weights holds it. The 1,000 class labels
are torchvision's ImageNet categories (``torchvision.models._meta._IMAGENET_CATEGORIES``, in
the classifier's output order); torchvision is imported only here, never by specdsl.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "specs" / "efficientnet_lite0_imagenet.spec"

# EfficientNet-B0's stages: (kernel, stride, expansion ratio, output filters, repeats)
STAGES = [
    (3, 1, 1, 16, 1),
    (3, 2, 6, 24, 2),
    (5, 2, 6, 40, 2),
    (3, 2, 6, 80, 3),
    (5, 1, 6, 112, 3),
    (5, 2, 6, 192, 4),
    (3, 1, 6, 320, 1),
]
STEM, HEAD = 32, 1280

HEADER = """\
# EfficientNet-Lite0, ImageNet (1000 classes): written by scripts/make_lite0_spec.py, do not edit.
#
# EfficientNet-B0's table of 16 MBConv blocks with the Lite changes: no squeeze-excite, ReLU6,
# stem (32) and head (1280) not scaled. Weights: the efficientnet_pytorch state dict
# efficientnet-lite0-57934424.pth (specdsl/weights/efficientnet.py maps its names here):
#   specdsl export specs/efficientnet_lite0_imagenet.spec \\
#     --weights ../shared/data/weights/efficientnet-lite0-57934424.pth -o lite0.onnx
#
# Layer names:
#   rescaling                   (x - 127) / 128, the model's own preprocessing
#   stem_conv, stem_bn, stem_relu
#   blockNx (N = stage 1..7, x = a, b, ... within the stage), in order:
#     blockNx_expand_conv, blockNx_expand_bn, blockNx_expand_relu   (expansion ratio 6 only)
#     blockNx_dwconv, blockNx_dwconv_bn, blockNx_dwconv_relu
#     blockNx_project_conv, blockNx_project_bn
#     blockNx_add                 (stride 1 and as many filters in as out: the identity skip)
#   head_conv, head_bn, head_relu, avg_pool, top_dropout, predictions
# Batch norms: Keras's momentum 0.99 (PyTorch's 0.01) and epsilon 0.001, the defaults, so the
# spec (in specdsl fmt's form) does not write them; 'rescaling' is Keras's automatic name.
# Convolutions pad as TensorFlow's "same" (efficientnet_pytorch's static same padding).
"""


def blocks():
    """(name, kernel, stride, expansion, in filters, out filters) of the 16 blocks."""
    filters = STEM
    for stage, (k, s, e, out, repeats) in enumerate(STAGES, start=1):
        for i in range(repeats):
            yield f"block{stage}{chr(ord('a') + i)}", k, s if i == 0 else 1, e, filters, out
            filters = out


def spec_text(labels: list[str]) -> str:
    """The spec, in ``specdsl fmt``'s canonical form (defaults and automatic names dropped)."""
    from specdsl.syntax.format import format_spec, quote
    from specdsl.syntax.parse import parse_text

    lines = [HEADER, "model efficientnet_lite0_imagenet", "input 224x224x3"]
    lines.append("classes " + " ".join(quote(c) for c in labels))
    lines += [
        "rescaling: rescale 1/128 offset=-0.9921875",
        f"stem_conv: conv {STEM} k3 s2 same nobias",
        "stem_bn: batchnorm epsilon=0.001",
        "stem_relu: activation relu6",
    ]
    prev = "stem_relu"
    for name, k, s, e, fin, fout in blocks():
        lines.append(f"# {name}: k{k} s{s}, expansion {e}, {fin} -> {fout} filters")
        if e != 1:
            lines += [
                f"{name}_expand_conv: conv {fin * e} k1 same nobias",
                f"{name}_expand_bn: batchnorm epsilon=0.001",
                f"{name}_expand_relu: activation relu6",
            ]
        lines += [
            f"{name}_dwconv: dwconv k{k} s{s} same nobias",
            f"{name}_dwconv_bn: batchnorm epsilon=0.001",
            f"{name}_dwconv_relu: activation relu6",
            f"{name}_project_conv: conv {fout} k1 same nobias",
            f"{name}_project_bn: batchnorm epsilon=0.001",
        ]
        prev_out = f"{name}_project_bn"
        if s == 1 and fin == fout:
            lines.append(f"{name}_add: add {prev_out}, {prev}")
            prev_out = f"{name}_add"
        prev = prev_out
    lines += [
        f"head_conv: conv {HEAD} k1 same nobias",
        "head_bn: batchnorm epsilon=0.001",
        "head_relu: activation relu6",
        "avg_pool: globalavgpool",
        "top_dropout: dropout 0.2",
        "predictions: dense 1000 softmax",
        "",
    ]
    raw = "\n".join(lines)
    return format_spec(parse_text(raw), raw)


def imagenet_labels() -> list[str]:
    from torchvision.models._meta import _IMAGENET_CATEGORIES

    labels = list(_IMAGENET_CATEGORIES)
    assert len(labels) == 1000 and len(set(labels)) == 1000, "torchvision's list changed"
    return labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed spec")
    parser.add_argument("-o", "--output", type=Path, default=OUT)
    args = parser.parse_args(argv)
    try:
        labels = imagenet_labels()
    except ImportError:
        print("error: the ImageNet labels come from torchvision (pip install torchvision)")
        return 1
    text = spec_text(labels)
    if args.check:
        same = args.output.is_file() and args.output.read_text(encoding="utf-8") == text
        print(f"{args.output}: {'up to date' if same else 'differs from the generator'}")
        return 0 if same else 1
    args.output.write_text(text, encoding="utf-8")
    print(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
