"""How the kernels compile: their fastmath flags, functions specialised by the type of a NamedTuple
(:func:`implements`), and LLVM intrinsics that address and prefetch rows.

The hot loops address rows through plain pointers: choosing between a shared and a
private row (:mod:`fastw2v.kernels.rows`) as array views would reference-count on
every access.
"""
from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload

# fastmath without 'nnan'/'ninf': those flags let LLVM delete the NaN checks the
# divergence guard relies on (UMAP #1228). 'reassoc' lets dot products vectorise.
FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}


def implements(generic, kind: type):
    """Make the decorated function what ``generic`` does, in jitted code, when its first argument is a ``kind``.

    ``kind`` is a namedtuple class; the generic function (a stub with the signature and
    the docstring) is resolved by the argument's type when a kernel compiles, and the
    implementation is inlined, so kernels written against ``generic`` handle every kind
    (an output layer, an architecture) without a branch at run time.
    """
    def register(implementation):
        @overload(generic, inline="always", strict=False)
        def resolve(first, *args):
            if getattr(first, "instance_class", None) is kind:
                return implementation
            return None

        return implementation

    return register


def _row_address(context, builder, signature, args):
    """LLVM code for the address of ``matrix[row, 0]``, from an intrinsic's ``(matrix, row)`` arguments."""
    array_type = signature.args[0]
    array = context.make_array(array_type)(context, builder, args[0])
    index = context.cast(builder, args[1], signature.args[1], types.intp)
    return cgutils.get_item_pointer(context, builder, array_type, array, [index, context.get_constant(types.intp, 0)])


@intrinsic
def prefetch_row(typingctx, matrix, row):
    """Hint the CPU to start loading ``matrix[row]`` into cache (no effect on results).

    Rows of rare words are usually out of cache; fetching the next position's rows
    while the current one computes hides much of that memory latency.
    """
    if not (isinstance(matrix, types.Array) and matrix.ndim == 2 and isinstance(row, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        start = builder.bitcast(_row_address(context, builder, signature, args), ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        prefetch = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [start.type, i32, i32, i32]), "llvm.prefetch.p0")
        row_bytes = builder.extract_value(context.make_array(signature.args[0])(context, builder, args[0]).strides, 0)
        zero = context.get_constant(types.intp, 0)
        with cgutils.for_range_slice(builder, zero, row_bytes, context.get_constant(types.intp, 64)) as (offset, _):
            # (address, read, high temporal locality, data cache)
            builder.call(prefetch, [builder.gep(start, [offset]), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(matrix, row), codegen


@intrinsic
def row_pointer(typingctx, matrix, row):
    """Pointer to ``matrix[row, 0]``."""
    if not (isinstance(matrix, types.Array) and matrix.ndim == 2 and isinstance(row, types.Integer)):
        return None

    return types.CPointer(matrix.dtype)(matrix, row), _row_address


@intrinsic
def advance(typingctx, pointer, n):
    """``pointer + n`` elements."""
    if not (isinstance(pointer, types.CPointer) and isinstance(n, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        return builder.gep(args[0], [context.cast(builder, args[1], signature.args[1], types.intp)])

    return pointer(pointer, n), codegen
