#!/usr/bin/env bash
# The main job on a lecture spec (Listings 8.1-8.4): set up, check every lecture spec, print
# their summaries (the lecture's numbers), then train the MNIST convnet with the Keras backend
# from the code specdsl emits, and export the trained model to ONNX; last, export the real
# ImageNet classifier EfficientNet-Lite0 and classify the shared photos with it.
#
#   bash scripts/main.sh                 # data from $SPECDSL_SHARED_DATA or ../shared/data
#   EPOCHS=1 bash scripts/main.sh        # a quicker run (the spec says 5 epochs)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
SPECDSL=.venv/bin/specdsl
DATA=${SPECDSL_SHARED_DATA:-$(cd .. && pwd)/shared/data}

$SPECDSL check specs/*.spec
for spec in specs/*.spec; do
  $SPECDSL summary "$spec" --format plain
  echo
done
$SPECDSL build specs/dogs_cats_aug.spec --backend keras -o build/dogs_cats_aug-keras

if [ ! -d "$DATA/mnist" ]; then
  echo "no MNIST folder at $DATA/mnist: set SPECDSL_SHARED_DATA to train the MNIST convnet" >&2
else
  RUN=runs/main-mnist_convnet
  rm -rf "$RUN"
  $SPECDSL train specs/mnist_convnet.spec --backend keras --data "$DATA/mnist" --run-dir "$RUN" \
    ${EPOCHS:+--epochs "$EPOCHS"}
  $SPECDSL export specs/mnist_convnet.spec --weights "$RUN/model.safetensors" \
    -o "$RUN/mnist_convnet.onnx"
  echo "trained model: $RUN (history.json, curves.png, model.safetensors, mnist_convnet.onnx)"
fi

# A real ImageNet classifier: EfficientNet-Lite0 (specs/efficientnet_lite0_imagenet.spec) with
# its trained efficientnet_pytorch weights, exported to ONNX and run on the shared photos.
LITE0=$DATA/weights/efficientnet-lite0-57934424.pth
if [ ! -f "$LITE0" ] || [ ! -d "$DATA/images" ]; then
  echo "no $LITE0 or $DATA/images: skipping the EfficientNet-Lite0 export and run" >&2
  exit 0
fi
$SPECDSL export specs/efficientnet_lite0_imagenet.spec --weights "$LITE0" -o build/lite0.onnx
$SPECDSL run build/lite0.onnx "$DATA/images" --top 5
