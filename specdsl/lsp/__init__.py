"""``specdsl lsp``: a language server for specs (pygls, over stdio).

Diagnostics as ``specdsl check`` gives them, hovers (a layer's shape, parameters, MACs and
trainable flag; a word's meaning in Keras terms), completion, inlay hints with each layer's
output shape, formatting as ``specdsl fmt``, document symbols, go to definition and references
for layer, base and stage names. It imports neither TensorFlow, PyTorch nor ONNX Runtime.
"""
