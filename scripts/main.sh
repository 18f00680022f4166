#!/usr/bin/env bash
# The main job on the lecture's specs: set up, check every spec, print the summaries
# (the numbers of the lecture), and compile the augmented dogs-vs-cats model to Keras code.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
SPECDSL=.venv/bin/specdsl
$SPECDSL check specs/*.spec
for spec in specs/*.spec; do
  $SPECDSL summary "$spec" --format plain
done
$SPECDSL build specs/dogs_cats_aug.spec --backend keras -o build/dogs_cats_aug-keras
