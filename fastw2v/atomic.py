"""Safe output: never over an input, and atomic (a temporary name in the target's directory, then a rename).

A crash or Ctrl-C mid-write leaves either the previous output or none, never a
truncated one, because the final name only ever points at a complete file or
directory. :func:`check_outputs` refuses, before a run starts, an output that is
one of its inputs (or would replace a directory holding one).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from .errors import ConfigError

PathArg = str | os.PathLike


def _paths(given: PathArg | Sequence[PathArg] | None) -> list[str]:
    if given is None:
        return []
    return [os.fspath(given)] if isinstance(given, (str, os.PathLike)) else [os.fspath(p) for p in given]


def same_file(a: PathArg, b: PathArg) -> bool:
    """Whether ``a`` and ``b`` name one file: the same inode when both exist (hard and symbolic links
    included), else the same resolved path."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _inside(path: str, directory: str) -> bool:
    """Whether ``path`` lies somewhere under the existing directory ``directory``."""
    return os.path.isdir(directory) and any(same_file(str(parent), directory)
                                            for parent in Path(os.path.realpath(path)).parents)


def _input_files(path: str) -> list[str]:
    """``path`` itself and, for a directory (a corpus directory, a saved model), the files in it."""
    if not os.path.isdir(path):
        return [path]
    with os.scandir(path) as entries:
        return [path, *(e.path for e in entries if e.is_file())]


def check_outputs(outputs: Mapping[str, PathArg | Sequence[PathArg] | None],
                  inputs: Mapping[str, PathArg | Sequence[PathArg] | None]) -> None:
    """Refuse, before anything is read or written, a run whose output would destroy one of its inputs.

    Parameters
    ----------
    outputs, inputs : mapping of label -> path(s) or None
        Labels name the option or argument (``"--vectors"``, ``"PRETRAINED"``) in the message.
        URLs are never local files and are left out.

    Raises
    ------
    ConfigError
        An output is an input (same inode, or same resolved path), is an existing directory that
        holds an input (saving replaces the whole directory), or two outputs are the same path.
        The message names both.
    """
    outs = [(label, p) for label, given in outputs.items() for p in _paths(given) if "://" not in p]
    ins = [(label, f) for label, given in inputs.items() for p in _paths(given) if "://" not in p
           for f in _input_files(p)]
    for k, (label, out) in enumerate(outs):
        for in_label, inp in ins:
            if same_file(out, inp):
                raise ConfigError(f"{label} {out} is the input {in_label} {inp}: refusing to overwrite an input; "
                                  f"give {label} another path")
            if _inside(inp, out):
                raise ConfigError(f"{label} {out} would replace the directory holding the input {in_label} {inp}; "
                                  f"give {label} another path")
        for other_label, other in outs[k + 1:]:
            if same_file(out, other):
                raise ConfigError(f"{label} {out} and {other_label} {other} are the same path: give each output "
                                  f"its own")


def fsync_dir(path: Path) -> None:
    """Flush a directory entry so a rename inside it survives a power cut (best effort)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_file(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; rename it to ``target`` on success.

    The caller writes the whole file to the yielded path. On an exception the
    temporary file is removed and ``target`` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # The temporary name ends with the target's own name so that writers choosing a
    # compression from the extension (smart_open: .gz, .bz2) still do so.
    fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=f"-{target.name}", dir=target.parent)
    os.close(fd)
    os.chmod(tmp_name, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def atomic_directory(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary directory next to ``target``; move it into place on success.

    A directory cannot replace a non-empty directory in one rename, so an existing
    ``target`` is first renamed aside and deleted only after the new one is in place:
    at every instant the final name holds either the old complete directory, the
    new complete one, or (for an instant between the two renames) nothing.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", suffix=f"-{target.name}", dir=target.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        yield tmp
        for child in tmp.iterdir():
            with open(child, "rb+") as fh:
                os.fsync(fh.fileno())
        old = None
        if target.exists():
            if not target.is_dir():
                raise FileExistsError(f"{target}: exists and is not a directory; refusing to overwrite it")
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
            os.replace(target, old / "previous")
        os.replace(tmp, target)
        fsync_dir(target.parent)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
