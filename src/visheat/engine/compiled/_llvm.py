"""Two LLVM operations numba does not offer, written as intrinsics.

* :func:`store_u32`: a 32-bit store at any byte offset. RGB pixels are 3 bytes
  wide; writing a pixel as one 4-byte store (its colour in the low three bytes)
  costs one instruction instead of three, and the fourth byte lands on the next
  pixel's red, which the next store overwrites. Callers keep the last store of
  a buffer in bounds.
* :func:`tail_masks`: three bit masks over 16 consecutive values (``<= lo``,
  ``>= hi``, NaN) from vector compares. numba's loops cannot say "which lanes
  matched"; with the masks, a scan touches matching values only.

Both lower to plain LLVM IR (no target-specific intrinsics), so they compile
on every CPU numba supports; AVX-512 turns a mask into one instruction.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

LANES = 16


@intrinsic
def store_u32(typingctx, array, offset, value):  # pragma: no cover - compiled
    """``array.view(uint8)[offset:offset + 4] = value`` (little-endian), unaligned."""
    sig = types.void(array, types.intp, types.uint32)

    def codegen(context, builder, signature, args):
        data, off, word = args
        ary = context.make_array(signature.args[0])(context, builder, data)
        byte = builder.gep(builder.bitcast(ary.data, ir.IntType(8).as_pointer()), [off])
        builder.store(word, builder.bitcast(byte, ir.IntType(32).as_pointer()), align=1)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def tail_masks(typingctx, row, at, lo, hi):  # pragma: no cover - compiled
    """Bits ``j`` / ``16 + j`` / ``32 + j``: ``row[at + j]`` is ``<= lo`` / ``>= hi`` / NaN.

    ``row`` is a contiguous float array with at least ``at + 16`` values.
    """
    sig = types.uint64(row, types.intp, row.dtype, row.dtype)

    def codegen(context, builder, signature, args):
        data, off, low, high = args
        element = context.get_value_type(signature.args[0].dtype)
        vector = ir.VectorType(element, LANES)
        ary = context.make_array(signature.args[0])(context, builder, data)
        values = builder.load(builder.bitcast(builder.gep(ary.data, [off]), vector.as_pointer()),
                              align=signature.args[0].dtype.bitwidth // 8)
        zeros = ir.Constant(ir.VectorType(ir.IntType(32), LANES), [0] * LANES)

        def splat(x):
            one = builder.insert_element(ir.Constant(vector, ir.Undefined), x,
                                         ir.Constant(ir.IntType(32), 0))
            return builder.shuffle_vector(one, ir.Constant(vector, ir.Undefined), zeros)

        def bits(mask, shift):
            word = builder.zext(builder.bitcast(mask, ir.IntType(LANES)), ir.IntType(64))
            return builder.shl(word, ir.Constant(ir.IntType(64), shift))

        below = bits(builder.fcmp_ordered("<=", values, splat(low)), 0)
        above = bits(builder.fcmp_ordered(">=", values, splat(high)), LANES)
        nan = bits(builder.fcmp_unordered("uno", values, values), 2 * LANES)
        return builder.or_(builder.or_(below, above), nan)

    return sig, codegen
