"""Block-wise parsing and writing of word2vec binary, word2vec text and GloVe files.

The file is read in large blocks (``readinto`` a reused buffer) and the ``[n, dim]``
float32 matrix is allocated once and filled block by block, so reading never holds a
second copy of the matrix, the whole (decompressed) file, or a Python float per value:

* binary rows are split and their floats copied by a Numba loop
  (:func:`~fastw2v.kernels.vectors.scan_word2vec_binary`); the block's words come back as one
  space-separated byte string, decoded and split at once. An uncompressed binary file is
  memory-mapped instead and each vector copied once, from the page cache into the matrix;
* text rows are split with ``bytes`` methods and their numbers converted by one NumPy
  string-to-float32 cast per block, which parses exactly as ``np.float32(str)`` (gensim's
  conversion). Any block that the fast path cannot vouch for (invalid UTF-8, NUL bytes, a
  row with the wrong number of fields, a field the cast refuses) is re-parsed row by row
  with gensim's own rules (:func:`~fastw2v.vector_formats.parse_text_row`), which either
  gives the same values or names the bad line.

Writing mirrors gensim's ``save_word2vec_format`` byte for byte: a ``"N D\\n"`` header, then
``word b" " <float32 bytes>`` (binary, no newline) or ``word x1 ... xD\\n`` with each value
as ``str(np.float32)`` (text), assembled per block by :func:`~fastw2v.kernels.vectors.pack_rows`.

Long reads and writes log a progress line (:class:`fastw2v.progress.Progress`).
"""
from __future__ import annotations

import logging
import mmap
from concurrent.futures import ThreadPoolExecutor
from itertools import repeat
from pathlib import Path
from typing import BinaryIO

import numpy as np

from . import memory
from .kernels.vectors import (
    gather_rows,
    gather_words,
    index_word2vec_binary,
    pack_rows,
    scan_word2vec_binary,
)
from .progress import Progress
from .vector_formats import (
    COMPRESSED_SUFFIXES,
    MAX_WORD_BYTES,
    Format,
    Sniff,
    check_rows,
    open_stream,
    parse_text_row,
    row_position,
    show,
    truncated,
    vector_error,
)

logger = logging.getLogger(__name__)

#: Bytes read per block from a binary file (two such buffers, each also holding one partial row).
BINARY_BLOCK = 16 << 20
#: Bytes of an uncompressed binary file located and copied per window while it is mapped.
MAPPED_WINDOW = 64 << 20
#: Bytes read per block from a text file: its fields become short-lived Python bytes objects.
TEXT_BLOCK = 4 << 20
#: Bytes assembled per block when writing.
WRITE_BLOCK = 16 << 20


def _fill(fin: BinaryIO, view: memoryview) -> int:
    """Read into ``view`` until it is full or the stream ends; bytes read."""
    got = 0
    while got < len(view):
        # typing.BinaryIO declares no readinto; the streams smart_open opens in "rb" mode have it.
        n = fin.readinto(view[got:])  # type: ignore[attr-defined]
        if not n:
            break
        got += n
    return got


def _decode_words(path: Path, raw: bytes, first_row: int, dim: int) -> list[str]:
    """The block's space-separated words as str (strict UTF-8, as gensim), or the error naming the bad one."""
    try:
        return raw.decode("utf-8").split(" ")
    except UnicodeDecodeError:
        for k, word in enumerate(raw.split(b" ")):
            try:
                word.decode("utf-8")
            except UnicodeDecodeError:
                raise vector_error(path, f"vector #{first_row + k + 1}: the word {show(word)} is not valid UTF-8; "
                                   f"is the dimension {dim} in the header right?") from None
        raise


def _word_too_long(path: Path, row: int, dim: int) -> Exception:
    """The error for binary row ``row`` (0-based) whose word has no space within ``MAX_WORD_BYTES``."""
    return vector_error(path, f"vector #{row + 1}: no space-terminated word within {MAX_WORD_BYTES} bytes; "
                        f"is the dimension {dim} in the header right?")


def read_binary(path: Path, s: Sniff, n: int) -> tuple[list[str], np.ndarray]:
    """The first ``n`` rows of a word2vec binary file (``s`` from :func:`~fastw2v.vector_formats.sniff`).

    An uncompressed file is memory-mapped (:func:`_read_binary_mapped`). Otherwise two
    buffers alternate: a thread reads (or decompresses) the next block into one while the
    kernel parses the other; both release the GIL, so reading and parsing overlap.
    """
    assert s.header is not None
    if path.suffix.lower() not in COMPRESSED_SUFFIXES:
        try:
            return _read_binary_mapped(path, s, n)
        except _NotMappable:
            pass
    dim = s.header[1]
    vectors = memory.empty((n, dim), dtype=np.float32)
    out = vectors.view(np.uint8).reshape(n, 4 * dim)
    head = MAX_WORD_BYTES + 1 + 4 * dim  # room before each block for the partial row carried over
    bufs = [np.empty(head + BINARY_BLOCK, dtype=np.uint8) for _ in range(2)]
    word_buf = np.empty(head + BINARY_BLOCK, dtype=np.uint8)
    words: list[str] = []
    progress = Progress(f"reading {path}", "vectors", n)
    with open_stream(path) as fin, ThreadPoolExecutor(max_workers=1) as reader:
        def fill(buf: np.ndarray) -> int:
            # numpy's stubs give ndarray the buffer protocol on Python >= 3.12 only.
            return _fill(fin, memoryview(buf)[head:])  # type: ignore[arg-type]

        fin.read(s.header_bytes)
        k, row, total = 0, 0, 0
        got = fill(bufs[0])
        start, end, eof, total = head, head + got, got < BINARY_BLOCK, got
        while row < n:
            ahead = None if eof else reader.submit(fill, bufs[1 - k])
            done, used, n_word_bytes, status = scan_word2vec_binary(bufs[k][start:end], end - start, out, row,
                                                                    word_buf, MAX_WORD_BYTES)
            if done:
                words += _decode_words(path, word_buf[:n_word_bytes - 1].tobytes(), row, dim)
                check_rows(path, s.fmt, words, vectors, row, row + done)  # while the rows are in cache
                row += done
            if status == 1:
                raise _word_too_long(path, row, dim)
            progress.update(row, f"{total >> 20} MB")
            if row >= n:  # a limit reached inside a block: the rest of it (and the block read ahead) is not needed
                break
            if ahead is None:  # no more data: parse on in this buffer
                if not done and row < n:
                    raise truncated(path, s, row)
                start += used
                continue
            got = ahead.result()
            carry = end - start - used
            bufs[1 - k][head - carry:head] = bufs[k][start + used:end]
            k, start, end, eof, total = 1 - k, head - carry, head + got, got < BINARY_BLOCK, total + got
    return words, vectors


class _NotMappable(Exception):
    """The file cannot be memory-mapped (a pipe, a special file): read it as a stream."""


def _read_binary_mapped(path: Path, s: Sniff, n: int) -> tuple[list[str], np.ndarray]:
    """:func:`read_binary` of an uncompressed file: mapped, each vector copied once into the matrix.

    A window of rows at a time is located (:func:`~fastw2v.kernels.vectors.index_word2vec_binary`),
    its vectors copied by two threads (halves of the window, GIL released) while this one
    decodes the words, and the window's file pages unmapped again, so the mapping adds at
    most one window to the process's memory.
    """
    assert s.header is not None
    dim = s.header[1]
    vec_bytes = 4 * dim
    try:
        fh = open(path, "rb")  # noqa: SIM115 -- closed by the `with fh` below; only open()'s OSError is _NotMappable
    except OSError as exc:
        raise _NotMappable from exc
    with fh:
        try:
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as exc:
            raise _NotMappable from exc
    vectors = memory.empty((n, dim), dtype=np.float32)
    out = vectors.view(np.uint8).reshape(n, vec_bytes)
    window = max(1, min(n, MAPPED_WINDOW // (vec_bytes + 16)))
    word_start, word_end = np.empty(window, dtype=np.int64), np.empty(window, dtype=np.int64)
    words: list[str] = []
    progress = Progress(f"reading {path}", "vectors", n)
    data = np.frombuffer(mapped, dtype=np.uint8)
    try:
        with ThreadPoolExecutor(max_workers=1) as helper:
            pos, row, page = s.header_bytes, 0, mmap.ALLOCATIONGRANULARITY
            while row < n:
                want = min(window, n - row)
                done, end, status = index_word2vec_binary(data, pos, vec_bytes, MAX_WORD_BYTES,
                                                          word_start[:want], word_end[:want])
                half = done // 2
                copying = helper.submit(gather_rows, data, word_end[half:done], out, row + half)
                gather_rows(data, word_end[:half], out, row)
                word_buf = np.empty(int((word_end[:done] - word_start[:done]).sum()) + done, dtype=np.uint8)
                used = gather_words(data, word_start[:done], word_end[:done], word_buf)
                words += _decode_words(path, word_buf[:used - 1].tobytes(), row, dim) if done else []
                copying.result()
                check_rows(path, s.fmt, words, vectors, row, row + done)
                row += done
                if status == 1:
                    raise _word_too_long(path, row, dim)
                if done < want:
                    raise truncated(path, s, row)
                # The window's pages leave this process (they stay in the page cache).
                lo, hi = pos // page * page, end // page * page
                if hi > lo:
                    mapped.madvise(mmap.MADV_DONTNEED, lo, hi - lo)
                pos = end
                progress.update(row, f"{pos >> 20} MB")
    finally:
        del data
        try:
            mapped.close()
        except BufferError:  # a helper thread's frame still holds a view: unmapped when it goes
            pass
    return words, vectors


def count_lines(path: Path, limit: int | None) -> int:
    """Number of lines in a text file (a last line without ``"\\n"`` counts), stopping at ``limit``."""
    lines, last = 0, b"\n"
    with open_stream(path) as fin:
        while limit is None or lines < limit:
            block = fin.read(TEXT_BLOCK)
            if not block:
                break
            lines += block.count(b"\n")
            last = block[-1:]
    lines += last != b"\n"
    return lines if limit is None else min(lines, limit)


def _parse_text_block_fast(lines: list[bytes], first_row: int, dim: int, vectors: np.ndarray,
                           words: list[str]) -> bool:
    """Parse text rows with whole-block operations; False, changing nothing, when a row needs gensim's rules."""
    stripped = [line.rstrip() for line in lines]  # bytes.rstrip(), as gensim strips each line
    joined = b"\n".join(stripped)
    # NUL would vanish in the S cast below; other bytes that are not valid UTF-8 fail gensim's decode.
    if b"\x00" in joined or any(c != dim for c in map(bytes.count, stripped, repeat(b" "))):
        return False
    try:
        joined.decode("utf-8")
    except UnicodeDecodeError:
        return False
    fields = b" ".join(stripped).split(b" ")
    raw_words = fields[::dim + 1]
    del fields[::dim + 1]
    try:
        # The S -> float32 cast parses each field as np.float32(str) does: gensim's conversion.
        values = np.array(fields, dtype=np.bytes_).astype(np.float32)
    except ValueError:
        return False
    vectors[first_row:first_row + len(lines)] = values.reshape(len(lines), dim)
    words += b"\n".join(raw_words).decode("utf-8").split("\n")
    return True


def _parse_text_block(path: Path, fmt: Format, lines: list[bytes], first_row: int, dim: int,
                      vectors: np.ndarray, words: list[str]) -> None:
    """Parse text rows into ``vectors[first_row:...]`` and append their words."""
    if not _parse_text_block_fast(lines, first_row, dim, vectors, words):
        for k, line in enumerate(lines):
            words.append(parse_text_row(path, fmt, first_row + k, line, dim, vectors[first_row + k]))


def read_text(path: Path, s: Sniff, n: int, dim: int) -> tuple[list[str], np.ndarray]:
    """The first ``n`` rows of a word2vec text (``s.header`` set) or GloVe file."""
    fmt = s.fmt
    assert fmt is not None
    vectors = memory.empty((n, dim), dtype=np.float32)
    words: list[str] = []
    # A longer "line" means the file is not text (or its rows are damaged); never buffer it whole.
    max_line = MAX_WORD_BYTES + 64 * dim
    progress = Progress(f"reading {path}", "vectors", n)
    row, total, carry = 0, 0, b""
    with open_stream(path) as fin:
        if s.header is not None:
            fin.read(s.header_bytes)
        while row < n:
            data = fin.read(TEXT_BLOCK)
            total += len(data)
            chunk = carry + data
            if data:
                cut = chunk.rfind(b"\n")
                if cut == -1:
                    if len(chunk) > max_line:
                        raise vector_error(path, f"{row_position(fmt, row)} is longer than {max_line} bytes: "
                                           f"not a text row of {dim} numbers")
                    carry = chunk
                    continue
                lines, carry = chunk[:cut].split(b"\n"), chunk[cut + 1:]
            elif chunk:
                lines, carry = [chunk], b""  # the last line, without "\n"
            else:
                raise truncated(path, s, row)
            lines = lines[:n - row]
            with np.errstate(over="ignore"):  # "1e50" -> inf, reported by check_rows as non-finite
                _parse_text_block(path, fmt, lines, row, dim, vectors, words)
            check_rows(path, fmt, words, vectors, row, row + len(lines))
            row += len(lines)
            progress.update(row, f"{total >> 20} MB")
    return words, vectors


def _binary_payload(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows' float32 bytes and their end offsets (no newline after a row: gensim writes none)."""
    row_bytes = block.view(np.uint8).reshape(-1)
    return row_bytes, np.arange(1, len(block) + 1, dtype=np.int64) * block.shape[1] * 4


def _text_payload(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows' numbers as text (``str(np.float32)``, space-separated, ``"\n"``-ended) and their end offsets."""
    n, dim = block.shape
    # float32 -> bytes gives the shortest repr, as str(np.float32): NUL-padded fixed-width fields.
    text = block.astype(np.bytes_)
    width = text.dtype.itemsize
    cells = np.zeros((n, dim, width + 1), dtype=np.uint8)
    cells[:, :, :width] = text.view(np.uint8).reshape(n, dim, width)
    # Each number is followed by a space, the last of a row by "\n"; the padding is dropped below.
    cells[:, :, width] = 32
    cells[:, -1, width] = 10
    keep = cells != 0
    return cells[keep], np.cumsum(keep.reshape(n, -1).sum(axis=1))


def write_rows(fout: BinaryIO, path: Path, words: list[str], vectors: np.ndarray, binary: bool,
               order: np.ndarray | None = None) -> None:
    """Write ``vectors`` (float32, C-contiguous) as word2vec binary or text, byte for byte as gensim does.

    ``order``: row ``order[i]`` is written as the ``i``-th vector (``words`` are in written order).
    """
    n, dim = vectors.shape
    fout.write(f"{n} {dim}\n".encode())
    payload = _binary_payload if binary else _text_payload
    step = max(1, WRITE_BLOCK // ((4 if binary else 16) * dim + 16))
    progress = Progress(f"writing {path}", "vectors", n)
    total = 0
    for start, stop in memory.blocks(n, step):
        block = vectors[start:stop] if order is None else vectors[order[start:stop]]
        row_bytes, row_ends = payload(block)
        word_bytes = np.frombuffer(" ".join(words[start:stop]).encode("utf-8"), dtype=np.uint8)
        out = np.empty(len(word_bytes) + 1 + len(row_bytes), dtype=np.uint8)
        written = pack_rows(word_bytes, row_bytes, row_ends, out)
        # numpy's stubs give ndarray the buffer protocol on Python >= 3.12 only.
        fout.write(memoryview(out)[:written])  # type: ignore[arg-type]
        total += written
        progress.update(stop, f"{total >> 20} MB")
