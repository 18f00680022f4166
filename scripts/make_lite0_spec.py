"""Write specs/efficientnet_lite0_imagenet.spec: EfficientNet-Lite0 for ImageNet in the language.

    .venv/bin/python scripts/make_lite0_spec.py            # writes the spec
    .venv/bin/python scripts/make_lite0_spec.py --check    # exit 1 when the committed one differs

The architecture is the zoo's base (specs/zoo/efficientnet_lite0.spec, written by hand with
blocks: EfficientNet-B0's table with the Lite changes); this script adds the classifier's
preprocessing, top and its 1,000 class labels, which are torchvision's ImageNet categories
(``torchvision.models._meta._IMAGENET_CATEGORIES``, in the classifier's output order);
torchvision is imported only here, never by specdsl.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "specs" / "efficientnet_lite0_imagenet.spec"

HEADER = """\
# EfficientNet-Lite0, ImageNet (1000 classes): written by scripts/make_lite0_spec.py, do not edit.
#
# The zoo's base efficientnet_lite0 (specs/zoo/efficientnet_lite0.spec: EfficientNet-B0's 16
# blocks with the Lite changes) with the classifier's own preprocessing and top. Weights: the
# efficientnet_pytorch state dict efficientnet-lite0-57934424.pth (specdsl/weights/
# efficientnet.py maps its names to the layers of the base and the top):
#   specdsl export specs/efficientnet_lite0_imagenet.spec \\
#     --weights ../shared/data/weights/efficientnet-lite0-57934424.pth -o lite0.onnx
#
# Layer names: rescaling ((x - 127) / 128, the model's own preprocessing; Keras's automatic
# name), the base's (stem_conv ... block7a_project_bn, head_conv, head_bn, head_relu), then
# avg_pool, top_dropout, predictions.
"""


def spec_text(labels: list[str]) -> str:
    """The spec, in ``specdsl fmt``'s canonical form (defaults and automatic names dropped)."""
    from specdsl.syntax.format import format_spec, quote
    from specdsl.syntax.parse import parse_text

    lines = [HEADER, "model efficientnet_lite0_imagenet", "input 224x224x3"]
    lines.append("classes " + " ".join(quote(c) for c in labels))
    lines += [
        "rescale 1/128 offset=-0.9921875",
        "base efficientnet_lite0",
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
