"""Vectorize TensorFlow's stateless random ops over stacked seeds.

:func:`register_random_converters` teaches ``tf.vectorized_map`` (pfor) to
batch the ops behind ``keras.random.uniform``/``normal``/``dropout``/
``truncated_normal``/``randint`` when each vectorized iteration has its own
seed, as the models of ``fit_many`` do (each has its own ``SeedGenerator``
state). Without it, pfor runs such an op once per model in a ``while_loop``.

Importing this module has no side effect; call the function once.
"""

from __future__ import annotations

import tensorflow as tf

__all__ = ["register_random_converters"]

# The ops converted, in TensorFlow 2.21's names. The first two turn a seed into
# a Philox key and counter; the others draw from a key and counter.
CONVERTED_OPS = (
    "StatelessRandomGetKeyCounter",
    "StatelessRandomGetKeyCounterAlg",
    "StatelessRandomUniformV2",
    "StatelessRandomNormalV2",
    "StatelessTruncatedNormalV2",
    "StatelessRandomUniformIntV2",
    "StatelessRandomUniformFullIntV2",
)

_GOLDEN = 0x9E3779B97F4A7C15  # SplitMix64's increment (2**64 / golden ratio)
_SEED_SALT = 0x5851F42D4C957F2D  # arbitrary odd constants that separate roles
_COUNTER_SALTS = (0x14057B7EF767814F, 0x2545F4914F6CDD1D)
_FLOATS = (tf.float16, tf.bfloat16, tf.float32, tf.float64)


def _u64(value: int) -> tf.Tensor:
    return tf.constant(value, tf.uint64)


def _mix(z: tf.Tensor) -> tf.Tensor:
    """SplitMix64's finalizer: a bijective, well-mixed hash of uint64 values."""
    for shift, factor in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB)):
        z = tf.bitwise.bitwise_xor(z, tf.bitwise.right_shift(z, _u64(shift)))
        z = z * _u64(factor)
    return tf.bitwise.bitwise_xor(z, tf.bitwise.right_shift(z, _u64(31)))


def _seed_to_key(seed: tf.Tensor) -> tf.Tensor:
    """One uint64 key per row of a stacked seed of shape (n, 2).

    For int32 seeds (Keras's case) the two halves are packed into one uint64
    and mixed by a bijection, so distinct seeds always give distinct keys.
    """
    if seed.dtype == tf.int32:
        halves = tf.cast(tf.bitcast(seed, tf.uint32), tf.uint64)
        packed = tf.bitwise.bitwise_or(
            tf.bitwise.left_shift(halves[:, 0], _u64(32)), halves[:, 1]
        )
        return _mix(tf.bitwise.bitwise_xor(packed, _u64(_SEED_SALT)))
    words = tf.bitcast(tf.cast(seed, tf.int64), tf.uint64)
    key = _mix(tf.bitwise.bitwise_xor(words[:, 0], _u64(_SEED_SALT)))
    return _mix(key + _mix(words[:, 1] + _u64(_COUNTER_SALTS[0])))


def _stream_keys(key: tf.Tensor, counter: tf.Tensor) -> tf.Tensor:
    """One uint64 stream key per iteration from stacked (n, 1) keys and
    (n, c) counters; a bijection of the key for a fixed counter."""
    stream = _mix(tf.bitwise.bitwise_xor(key[:, 0], _u64(_SEED_SALT)))
    for k in range(counter.shape[1]):
        salt = _u64(_COUNTER_SALTS[k % 2] + 2 * k)
        stream = _mix(stream + _mix(counter[:, k] + salt))
    return stream


def _bits(stream: tf.Tensor, size: tf.Tensor, per_value: int) -> tf.Tensor:
    """SplitMix64 outputs, shape (n, size, per_value): value ``j`` of row ``i``
    is ``mix(stream[i] + golden * (per_value * j + r + 1))``."""
    index = tf.range(tf.cast(size, tf.int64) * per_value, dtype=tf.int64)
    weyl = (tf.cast(index, tf.uint64) + _u64(1)) * _u64(_GOLDEN)
    bits = _mix(stream[:, None] + weyl[None, :])
    return tf.reshape(bits, [tf.shape(stream)[0], -1, per_value])


def _u32(value: int) -> tf.Tensor:
    return tf.constant(value, tf.uint32)


def _hash32(x: tf.Tensor) -> tf.Tensor:
    """Wellons's "lowbias32": a bijective, well-mixed hash of uint32 values.

    Two 32-bit multiplies, which CPUs vectorize natively; a 64-bit multiply
    (SplitMix64) is emulated by several 32-bit ones in AVX2 code.
    """
    for shift, factor in ((16, 0x7FEB352D), (15, 0x846CA68B)):
        x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, _u32(shift)))
        x = x * _u32(factor)
    return tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, _u32(16)))


def _bits32(stream: tf.Tensor, size: tf.Tensor, per_value: int) -> tf.Tensor:
    """uint32 hashes, shape (n, size, per_value): with ``c = per_value * j + r``
    and the stream key's halves ``lo, hi``, value ``c`` of row ``i`` is
    ``hash32(hash32(c ^ lo[i]) + hi[i])``: distinct for distinct ``c``, and
    streams whose keys differ in the high half share values only by chance.

    Enough bits for float32 and smaller floats at about half SplitMix64's
    cost, which was most of what Dropout added to a step (benchmark section
    4, ``--only random-layers``).
    """
    low = tf.cast(tf.bitwise.bitwise_and(stream, _u64(0xFFFFFFFF)), tf.uint32)
    high = tf.cast(tf.bitwise.right_shift(stream, _u64(32)), tf.uint32)
    index = tf.range(tf.cast(size, tf.int32) * per_value, dtype=tf.int32)
    counter = tf.bitcast(index, tf.uint32)[None, :]
    first = _hash32(tf.bitwise.bitwise_xor(counter, low[:, None]))
    bits = _hash32(first + high[:, None])
    return tf.reshape(bits, [tf.shape(stream)[0], -1, per_value])


def _unit(bits: tf.Tensor, mantissa: int, dtype: tf.DType, offset: float = 0.0):
    """Floats ``(top `mantissa` bits + offset) / 2**mantissa`` in [0, 1), from
    uint32 or uint64 ``bits``."""
    width = 64 if bits.dtype == tf.uint64 else 32
    top = tf.bitwise.right_shift(bits, tf.constant(width - mantissa, bits.dtype))
    return (tf.cast(top, dtype) + offset) * (2.0**-mantissa)


def _uniform(stream: tf.Tensor, size: tf.Tensor, dtype: tf.DType) -> tf.Tensor:
    """(n, size) uniform [0, 1) floats of ``dtype`` from stream keys."""
    if dtype == tf.float64:
        return _unit(_bits(stream, size, 1)[..., 0], 53, tf.float64)
    mantissa = {tf.float32: 24, tf.float16: 11, tf.bfloat16: 8}[dtype]
    values = _unit(_bits32(stream, size, 1)[..., 0], mantissa, tf.float32)
    return tf.cast(values, dtype)


def _polynomial(x2: tf.Tensor, coefficients: tuple) -> tf.Tensor:
    """Horner's rule in ``x2``, highest coefficient first."""
    poly = tf.constant(coefficients[0], x2.dtype)
    for coefficient in coefficients[1:]:
        poly = poly * x2 + tf.constant(coefficient, x2.dtype)
    return poly


# Taylor coefficients of sin(x) / x and cos(x) in x**2, highest first. On
# [-pi/2, pi/2] they err by less than 6e-8 and 7e-9: below float32's rounding.
# XLA's general sin/cos, with range reduction, cost three times as much.
_SIN = (-1 / 39916800, 1 / 362880, -1 / 5040, 1 / 120, -1 / 6, 1.0)
_COS = (1 / 479001600, -1 / 3628800, 1 / 40320, -1 / 720, 1 / 24, -1 / 2, 1.0)


def _normal_pairs(bits: tf.Tensor, size: tf.Tensor) -> tf.Tensor:
    """``size`` standard normal float32 per row from ``ceil(size / 2)`` pairs
    of uint32 hashes, shape (n, ceil(size / 2), 2).

    Box-Muller: a pair gives a 24-bit ``u1`` (the first's top bits), a 24-bit
    ``u2`` (the second's) and a sign ``s`` (the second's lowest bit). With
    ``r = sqrt(-2 log u1)`` and ``phi = pi (u2 - 1/2)``, the point
    ``(s cos phi, sin phi)`` is uniform on the circle, so ``r sin phi`` and
    ``s r cos phi`` are two independent standard normals: the first fill the
    first half of the row, the second the rest. Both sines use polynomials on
    [-pi/2, pi/2], and one log and one sqrt serve two values.
    """
    u1 = _unit(bits[..., 0], 24, tf.float32, 0.5)  # in (0, 1): the log is finite
    phi = (_unit(bits[..., 1], 24, tf.float32) - 0.5) * tf.constant(
        3.141592653589793, tf.float32
    )
    lowest = tf.bitwise.bitwise_and(bits[..., 1], _u32(1))
    sign = 1.0 - 2.0 * tf.cast(lowest, tf.float32)
    radius = tf.sqrt(-2.0 * tf.math.log(u1))
    phi2 = phi * phi
    first = radius * (phi * _polynomial(phi2, _SIN))
    second = (sign * radius) * _polynomial(phi2, _COS)
    return tf.concat([first, second], axis=1)[:, :size]


def _normal64(bits: tf.Tensor) -> tf.Tensor:
    """Standard normal float64 by Box-Muller over two 53-bit uniforms."""
    u1 = _unit(bits[..., 0], 53, tf.float64, 0.5)
    u2 = _unit(bits[..., 1], 53, tf.float64)
    two_pi = tf.constant(6.283185307179586, tf.float64)
    return tf.sqrt(-2.0 * tf.math.log(u1)) * tf.cos(two_pi * u2)


def _normal(stream: tf.Tensor, size: tf.Tensor, dtype: tf.DType) -> tf.Tensor:
    """(n, size) standard normal values of ``dtype`` from stream keys."""
    if dtype == tf.float64:
        return _normal64(_bits(stream, size, 2))
    pairs = _bits32(stream, (size + 1) // 2, 2)
    return tf.cast(_normal_pairs(pairs, size), dtype)


def _truncated_normal(stream: tf.Tensor, size: tf.Tensor, dtype: tf.DType):
    """(n, size) standard normals truncated to [-2, 2], by inverting the
    normal CDF."""
    work = tf.float64 if dtype == tf.float64 else tf.float32
    u = _uniform(stream, size, work)
    low = tf.constant(0.022750131948179195, work)  # Phi(-2)
    width = tf.constant(0.9544997361036416, work)  # Phi(2) - Phi(-2)
    z = tf.math.ndtri(low + width * u)
    return tf.cast(tf.clip_by_value(z, -2.0, 2.0), dtype)


def _stacked(pfor_input, index: int) -> tf.Tensor:  # noqa: ANN001 (TF's type)
    """Input ``index`` with the loop dimension first, tiled if loop invariant."""
    value, is_stacked, _ = pfor_input.input(index)
    if is_stacked:
        return value
    n = pfor_input.pfor.loop_len_vector
    return tf.broadcast_to(value[None], tf.concat([n, tf.shape(value)], axis=0))


def _register_all() -> None:
    from tensorflow.python.framework import tensor_util
    from tensorflow.python.ops.parallel_for import pfor

    not_implemented = pfor.ConversionNotImplementedError

    def finish(pfor_input, flat: tf.Tensor, shape: tf.Tensor):  # noqa: ANN001
        """Reshape (n, size) values to (n, *shape) with static shapes."""
        n = pfor_input.pfor.loop_len_vector
        out = tf.reshape(flat, tf.concat([n, tf.cast(shape, n.dtype)], axis=0))
        static_n = tensor_util.constant_value(n)
        out.set_shape(
            tf.TensorShape(
                [None if static_n is None else int(static_n[0])]
            ).concatenate(pfor_input.outputs[0].shape)
        )
        return pfor.wrap(out, True)

    def streams(pfor_input):  # noqa: ANN001, ANN202
        """(shape, stream keys) of a V2 draw, or defer to the op's own loop.

        Inputs: 0 shape, 1 key, 2 counter, 3 alg (then op-specific ones).
        The shape and algorithm must be loop invariant and the key or the
        counter stacked; otherwise every model draws the same numbers, and
        the op itself (in pfor's loop) is the right answer.
        """
        if pfor_input.input(0)[1] or pfor_input.input(3)[1]:
            raise not_implemented("stacked shape or algorithm")
        if not (pfor_input.input(1)[1] or pfor_input.input(2)[1]):
            raise not_implemented("the key and the counter are loop invariant")
        shape = pfor_input.unstacked_input(0)
        key = _stacked(pfor_input, 1)
        counter = _stacked(pfor_input, 2)
        if counter.shape.rank != 2 or counter.shape[1] is None:
            raise not_implemented("counter of unknown length")
        return shape, _stream_keys(key, counter)

    def convert_get_key_counter(pfor_input):  # noqa: ANN001, ANN202
        seed, seed_stacked, _ = pfor_input.input(0)
        if not seed_stacked:
            raise not_implemented("the seed is loop invariant")
        key = _seed_to_key(seed)[:, None]
        counter_shape = pfor_input.outputs[1].shape
        width = counter_shape[0] if counter_shape.rank == 1 else None
        width = 2 if width is None else width  # Philox, every CPU/GPU default
        counter = tf.zeros(tf.stack([tf.shape(key)[0], width]), tf.uint64)
        outputs = [pfor.wrap(key, True), pfor.wrap(counter, True)]
        if pfor_input.op_type == "StatelessRandomGetKeyCounterAlg":
            from tensorflow.python.ops import gen_stateless_random_ops_v2 as gen

            outputs.append(pfor.wrap(gen.stateless_random_get_alg(), False))
        return outputs

    def convert_uniform(pfor_input):  # noqa: ANN001, ANN202
        dtype = pfor_input.get_attr("dtype")
        if dtype not in _FLOATS:
            raise not_implemented(f"dtype {dtype.name}")
        shape, stream = streams(pfor_input)
        values = _uniform(stream, tf.reduce_prod(shape), dtype)
        return [finish(pfor_input, values, shape)]

    def convert_normal(pfor_input):  # noqa: ANN001, ANN202
        dtype = pfor_input.get_attr("dtype")
        if dtype not in _FLOATS:
            raise not_implemented(f"dtype {dtype.name}")
        shape, stream = streams(pfor_input)
        values = _normal(stream, tf.reduce_prod(shape), dtype)
        return [finish(pfor_input, values, shape)]

    def convert_truncated_normal(pfor_input):  # noqa: ANN001, ANN202
        dtype = pfor_input.get_attr("dtype")
        if dtype not in _FLOATS:
            raise not_implemented(f"dtype {dtype.name}")
        shape, stream = streams(pfor_input)
        values = _truncated_normal(stream, tf.reduce_prod(shape), dtype)
        return [finish(pfor_input, values, shape)]

    def convert_uniform_int(pfor_input):  # noqa: ANN001, ANN202
        # Inputs 4 and 5: minval and maxval (scalars, possibly stacked).
        dtype = pfor_input.get_attr("dtype")
        if dtype not in (tf.int32, tf.int64):
            raise not_implemented(f"dtype {dtype.name}")
        shape, stream = streams(pfor_input)
        bits = _bits(stream, tf.reduce_prod(shape), 1)[..., 0]
        low = tf.reshape(tf.cast(_stacked(pfor_input, 4), tf.int64), [-1, 1])
        high = tf.reshape(tf.cast(_stacked(pfor_input, 5), tf.int64), [-1, 1])
        span = tf.bitcast(high - low, tf.uint64)  # maxval > minval, as the op requires
        # The bias of the modulo is at most span / 2**64: negligible.
        offset = tf.math.floormod(bits, tf.maximum(span, _u64(1)))
        values = tf.cast(low + tf.bitcast(offset, tf.int64), dtype)
        return [finish(pfor_input, values, shape)]

    def convert_full_int(pfor_input):  # noqa: ANN001, ANN202
        dtype = pfor_input.get_attr("dtype")
        if dtype not in (tf.int32, tf.int64, tf.uint32, tf.uint64):
            raise not_implemented(f"dtype {dtype.name}")
        shape, stream = streams(pfor_input)
        bits = _bits(stream, tf.reduce_prod(shape), 1)[..., 0]
        if dtype in (tf.int32, tf.uint32):
            bits = tf.cast(tf.bitwise.right_shift(bits, _u64(32)), tf.uint32)
        values = bits if dtype in (tf.uint32, tf.uint64) else tf.bitcast(bits, dtype)
        return [finish(pfor_input, values, shape)]

    converters = {
        "StatelessRandomGetKeyCounter": convert_get_key_counter,
        "StatelessRandomGetKeyCounterAlg": convert_get_key_counter,
        "StatelessRandomUniformV2": convert_uniform,
        "StatelessRandomNormalV2": convert_normal,
        "StatelessTruncatedNormalV2": convert_truncated_normal,
        "StatelessRandomUniformIntV2": convert_uniform_int,
        "StatelessRandomUniformFullIntV2": convert_full_int,
    }
    for op_type, converter in converters.items():
        if op_type in pfor._pfor_converter_registry:
            continue  # ours from an earlier call, or TensorFlow's own
        converter._bdl_random_converter = True
        pfor.RegisterPFor(op_type)(converter)


def register_random_converters() -> None:
    """Teach ``tf.vectorized_map`` to batch stateless random ops per seed.

    ``fit_many`` trains several models in one ``tf.vectorized_map``, and each
    model's random layers (Dropout, GaussianNoise, GaussianDropout,
    SpatialDropout1D/2D/3D, AlphaDropout) draw from the model's own
    ``SeedGenerator``, whose state is a stacked variable. Keras's TensorFlow
    backend draws with ``tf.random.stateless_uniform``/``stateless_normal``
    (and ``tf.nn.experimental.stateless_dropout``, which calls the former),
    which build ``StatelessRandomGetKeyCounter`` (seed to Philox key and
    counter) followed by ``StatelessRandomUniformV2``/``NormalV2``.
    TensorFlow 2.21's pfor has no converter for these ops, so with a stacked
    seed it runs them once per model in a ``while_loop``, which costs 7-13
    times the training step itself on the book's small models.

    This registers pfor converters for those ops (and for
    ``StatelessRandomGetKeyCounterAlg``, ``StatelessTruncatedNormalV2``,
    ``StatelessRandomUniformIntV2`` and ``StatelessRandomUniformFullIntV2``)
    that draw all models' numbers in one elementwise pass:

    - the key-counter ops map each model's seed to a 64-bit key by a bijection
      (SplitMix64's finalizer over the two int32 halves), so distinct seeds,
      and the successive states of one ``SeedGenerator``, give distinct keys;
      the counter is zero;
    - the draw ops hash each model's key and counter into a 64-bit stream
      key ``s``; float32 and smaller floats take value ``j`` from a 32-bit
      hash, ``h(h(j ^ lo) + hi)`` with ``lo, hi`` the halves of ``s`` and
      ``h`` Wellons's lowbias32 (a bijection, so a draw never repeats a
      value's input), and use its top 24 (float32), 11 (float16) or 8
      (bfloat16) bits; float64 values and integers take SplitMix64's
      ``mix(s + golden * (j + 1))`` (53 bits; integers take the bits modulo
      the range); normals use Box-Muller, two hashes giving two 24-bit
      uniforms and a sign, hence two normals (float64: two 53-bit uniforms
      per value); truncated normals invert the normal CDF. The 32-bit hash
      costs about half of SplitMix64 (whose 64-bit multiplies CPUs emulate
      in vector code), which was most of what Dropout added to a step.

    The values have the op's shape, dtype and distribution but are not
    Philox's: under ``tf.vectorized_map`` a model's numbers differ from those
    of the same seed in an unvectorized call (``fit`` of one model without
    XLA; with XLA the engine vectorizes one model too), as streams do between
    ``fit`` and ``model.fit`` already. They depend only on the model's own
    seed (not on its position or on the number of models), so a run is
    reproducible. Everything is unsigned integer arithmetic, which XLA
    compiles.

    TensorFlow internals used (private, checked for TensorFlow 2.21):
    ``tensorflow.python.ops.parallel_for.pfor.RegisterPFor`` and its
    ``_pfor_converter_registry`` (to register once, and to leave any converter
    TensorFlow itself may add in a later version in place),
    ``pfor.wrap``, ``pfor.ConversionNotImplementedError`` (raising it hands
    the op back to pfor's ``while_loop`` fallback, i.e. to the op itself) and
    the converter input API (``pfor_input.input``, ``unstacked_input``,
    ``get_attr``, ``outputs``, ``pfor.loop_len_vector``). The converters run
    only when the seed, key or counter differs between iterations; with a
    loop-invariant seed TensorFlow runs the op itself, unchanged. Unsupported
    dtypes or a stacked shape also defer to the op.

    Calling it again does nothing.

    Returns
    -------
    None

    Examples
    --------
    >>> register_random_converters()
    >>> from tensorflow.python.ops.parallel_for import pfor
    >>> "StatelessRandomUniformV2" in pfor._pfor_converter_registry
    True
    """
    _register_all()
