"""FaceNet as served: the verified Keras file, converted once to a LiteRT flatbuffer.

TensorFlow runs this Inception-ResNet at about 32 ms a face on two cores; LiteRT's XNNPACK
kernels run the same arithmetic in about 18 ms, load in a tenth of the time and keep no
Keras model in memory. Converting takes about 15 s, so it is done once and kept beside the
weights: `python -m ml weights fetch` does it, and the first load does it if nobody has.
"""

from __future__ import annotations

import contextlib
import io
import logging
from pathlib import Path

import keras
import tensorflow as tf

from ml.errors import ModelError
from ml.weights import DYNAMIC_INT8, FETCH_HINT, NETWORK, lite_path, verify

log = logging.getLogger(__name__)


@keras.saving.register_keras_serializable(package="athletes")
class ScaleSum(keras.layers.Layer):
    """The residual join `inputs[0] + inputs[1] * scale` of Inception-ResNet-v1.

    The Keras 2.1 file stores it as a `Lambda` whose marshalled bytecode Python 3.11 cannot
    read; this layer stands in for it when the file is loaded, keeping only `scale`.
    """

    def __init__(self, scale: float = 1.0, arguments: dict | None = None, **kwargs):
        for lambda_only in (
            "function",
            "function_type",
            "module",
            "output_shape",
            "output_shape_type",
            "output_shape_module",
        ):
            kwargs.pop(lambda_only, None)
        super().__init__(**kwargs)
        self.scale = float((arguments or {}).get("scale", scale))

    def call(self, inputs):
        return inputs[0] + inputs[1] * self.scale

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale}


def ensure_lite(weights: Path, network: str = NETWORK) -> Path:
    """The verified `weights` converted into `network` (``ml.weights.NETWORKS``), converting
    them unless that is done."""
    target = lite_path(verify(weights), network)
    if target.is_file():
        return target
    log.info("Converting FaceNet for LiteRT, %s (once, about 20 s) into %s ...", network, target)
    # Keras prints the exported network's signature (a hundred `TensorSpec` lines) on stdout:
    # kept out of a first run's output and a worker's log, at debug level for who needs it.
    with contextlib.redirect_stdout(io.StringIO()) as chatter:
        converter = tf.lite.TFLiteConverter.from_keras_model(read_keras(weights))
        if network == DYNAMIC_INT8:
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        flatbuffer = converter.convert()
    log.debug("The converter said: %s", chatter.getvalue())
    partial = target.with_name(target.name + ".partial")
    try:
        partial.write_bytes(flatbuffer)
        partial.replace(target)
    except OSError as error:
        raise ModelError(
            f"Cannot write the converted FaceNet to {target}: {error.strerror}. "
            f"Put the weights in a writable folder. {FETCH_HINT}"
        ) from error
    return target


def read_keras(verified: Path) -> keras.Model:
    """The verified Keras 2.1 file as a Keras 3 model, its `Lambda` joins read as `ScaleSum`."""
    return keras.models.load_model(verified, custom_objects={"Lambda": ScaleSum}, compile=False)
