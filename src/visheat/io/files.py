"""Writing files: names from patterns, atomic writes, temporaries.

Every writer of visheat (pictures, galleries, explorer pages, the CLI) writes
through here, so a file either holds everything or does not exist, and an
interrupted write leaves nothing that a later run takes for a result (while the
machine runs: nothing is flushed to the disk, see :func:`write_atomic`).
"""

from __future__ import annotations

import atexit
import os
import re
import secrets
import string
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..core.errors import type_error, value_error

_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_surrogate(found: re.Match) -> str:
    code = ord(found[0])
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def printable_name(text: str) -> str:
    """``text`` with the bytes of a non-UTF-8 file name written as ``\\xff``: encodable.

    On Linux, ``os.listdir`` gives a name whose bytes are not UTF-8 with each such byte
    as a lone surrogate (``b"caf\\xe9"`` reads ``'caf\\udce9'``), which UTF-8 cannot
    encode, so a page that shows it cannot be written. Other lone surrogates are written
    as ``\\udXXX``.

    >>> printable_name(os.fsdecode(b"caf\\xe9.png")), printable_name("ok")
    ('caf\\\\xe9.png', 'ok')
    """
    return _SURROGATE.sub(_escape_surrogate, text)


def safe_name(text: str, limit: int = 80) -> str:
    """A file-name-safe version of a user label (bytes of a non-UTF-8 name kept as ``xff``).

    >>> safe_name("../../etc/passwd <script>")
    'etc_passwd_script'
    >>> safe_name(os.fsdecode(b"caf\\xe9")), safe_name(os.fsdecode(b"\\xff"))
    ('caf_xe9', 'xff')
    """
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", printable_name(text)).strip("._-")
    return cleaned[:limit] or "item"


_FIELDS = ("index", "label")


def file_name(pattern: Any, index: int, label: str = "", argument: str = "pattern") -> str:
    """``pattern`` filled in with ``index`` and ``label``: a plain file name, nothing else.

    Only the fields ``{index}`` and ``{label}`` are allowed, with an optional format
    spec such as ``{index:05d}``: no attribute or item access (``{index.__class__}``),
    no nested fields, no widths beyond 255, and the result must be a plain file
    name (no folder, not ``.`` or ``..``). ``label`` should be :func:`safe_name`'d.

    Examples
    --------
    >>> file_name("{index:03d}_{label}.png", 7, "cat")
    '007_cat.png'
    >>> file_name("{index.__class__}.png", 7)
    Traceback (most recent call last):
    ...
    ValueError: pattern: expected a file name pattern with the fields {index} and {label} only; got
    '{index.__class__}.png' (str).
    """
    if not isinstance(pattern, str):
        raise type_error(argument, "a file name pattern such as '{index:05d}.png'", pattern)
    expected = "a file name pattern with the fields {index} and {label} only"
    try:
        fields = [(name, spec) for _, name, spec, _ in string.Formatter().parse(pattern)
                  if name is not None]
    except ValueError:  # unbalanced braces
        raise value_error(argument, expected, pattern) from None
    for name, spec in fields:
        widths = [int(d) for d in re.findall(r"\d+", spec or "")]
        if name not in _FIELDS or "{" in (spec or "") or any(w > 255 for w in widths):
            raise value_error(argument, expected, pattern)
    try:
        name = pattern.format(index=index, label=label)
    except (ValueError, TypeError) as err:  # a format spec that does not fit, e.g. {label:d}
        raise value_error(argument, expected, pattern, str(err)) from None
    if Path(name).name != name or name in ("", ".", "..") or "\\" in name or "\0" in name:
        raise value_error(argument, "a plain file name (no folders)", name)
    return name


def prepare_folder(folder: str | os.PathLike, argument: str = "directory") -> Path:
    """Create ``folder`` (and its parents) for output; a path that cannot be one is a ValueError.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile() as f:
    ...     prepare_folder(f.name, "out_dir")
    Traceback (most recent call last):
    ...
    ValueError: out_dir: expected a folder (created if missing); got ... (File exists).
    """
    path = Path(folder)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:  # a file in the way, no permission, a read-only file system
        raise value_error(argument, "a folder (created if missing)",
                          f"{path} ({err.strerror or err})", described=True) from None
    return path


def check_distinct(paths: Sequence[Path], argument: str = "pattern") -> None:
    """Refuse output paths that repeat: a second picture would replace the first.

    >>> check_distinct([Path("cat.png"), Path("cat.png")])
    Traceback (most recent call last):
    ...
    ValueError: pattern: expected a different file name for every picture; got 'cat.png' for
    pictures 0 and 1. Put {index} in the pattern.
    """
    seen: dict[Path, int] = {}
    for i, path in enumerate(paths):
        if path in seen:
            raise value_error(argument, "a different file name for every picture",
                              f"{path.name!r} for pictures {seen[path]} and {i}",
                              "Put {index} in the pattern.", described=True)
        seen[path] = i


#: Suffix of :func:`write_atomic`'s temporary files (hidden: their names start with a dot).
TEMPORARY_SUFFIX = ".tmp"


_TEMPORARY = re.compile(r"\..+\.(?P<pid>[0-9a-f]{6})[0-9a-f]{6}\.tmp", re.DOTALL)  # fullmatch


# Every temporary file this process is writing, by name -> path. A writer registers its
# name *before* it creates the file and forgets it only once the file is renamed or
# removed, so no check of this registry (made under the lock) can take a temporary that a
# thread of this process is writing for a stale one. Names are unique in the registry.
_IN_FLIGHT: dict[str, Path] = {}
_IN_FLIGHT_LOCK = threading.Lock()
_EXIT_SWEEP: list[bool] = []  # [True] once the exit sweep is registered


def _forget_parents_writes() -> None:
    """In a forked child: the parent's temporaries are the parent's (its lock may be held)."""
    global _IN_FLIGHT_LOCK
    _IN_FLIGHT_LOCK = threading.Lock()
    _IN_FLIGHT.clear()


if hasattr(os, "register_at_fork"):  # pragma: no branch - POSIX
    os.register_at_fork(after_in_child=_forget_parents_writes)


def _name_max(folder: Path) -> int:
    """The longest file name (in bytes) ``folder`` allows: ``PC_NAME_MAX``, else 255."""
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (AttributeError, OSError, ValueError, TypeError):  # no pathconf (Windows), no folder
        return 255


def temporary_path(path: Path) -> Path:
    """A fresh hidden temporary name beside ``path``: ``.<name>.<pid><random>.tmp``.

    Six hex digits of the process id and six random ones tell whose file it is
    (see :func:`remove_temporaries`). ``<name>`` is shortened when needed, so the
    temporary fits the file system's name limit whenever ``path``'s own name does.

    >>> name = temporary_path(Path("out") / ("a" * 250 + ".png")).name
    >>> len(name), name.startswith(".aaa"), name.endswith(".tmp")
    (255, True, True)
    """
    tag = f"{os.getpid() & 0xFFFFFF:06x}{secrets.token_hex(3)}"
    room = max(1, _name_max(path.parent) - len(f"..{tag}{TEMPORARY_SUFFIX}"))
    name = path.name
    while len(os.fsencode(name)) > room and len(name) > 1:
        name = name[:-1]
    return path.parent / f".{name}.{tag}{TEMPORARY_SUFFIX}"


def _claim_temporary(path: Path) -> Path:
    """A temporary name for ``path``, registered as this process's before the file exists."""
    while True:
        tmp = temporary_path(path)
        with _IN_FLIGHT_LOCK:
            if not _EXIT_SWEEP:
                atexit.register(_sweep_at_exit)
                _EXIT_SWEEP.append(True)
            if tmp.name not in _IN_FLIGHT:  # two threads drew the same 24 random bits: redraw
                _IN_FLIGHT[tmp.name] = tmp
                return tmp


def _release_temporary(tmp: Path, renamed: bool) -> None:
    """Remove ``tmp`` unless it was renamed, then forget it (kept registered if it stays)."""
    if not renamed:
        try:
            os.unlink(tmp)
        except FileNotFoundError:  # never created, or renamed just before an interruption
            pass
        except OSError:  # still there (an I/O error): the exit sweep tries again
            return
    with _IN_FLIGHT_LOCK:
        _IN_FLIGHT.pop(tmp.name, None)


def _sweep_at_exit() -> None:
    """At exit, remove what no writer of this process will rename any more.

    Runs after Python has joined the non-daemon threads, so what is still registered was
    left by a write interrupted twice (a second Ctrl-C while the first one cleaned up) or
    by a daemon thread that stops with the process.
    """
    with _IN_FLIGHT_LOCK:
        left = list(_IN_FLIGHT.values())
    for tmp in left:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def write_atomic(path: Path, payload: bytes | Iterable[bytes]) -> None:
    """Write ``payload`` to ``path`` through a temporary file and a rename.

    ``payload`` is bytes, or an iterable of byte pieces written as they come (a page
    too large to build in memory, such as an explorer page).

    What is promised: while the machine runs, ``path`` holds either its old content (or
    nothing) or all of ``payload``, never part of it, whatever happens to the writer (an
    exception, a KeyboardInterrupt in any thread, SIGKILL). An interrupted write removes
    its temporary file; a killed one leaves only a hidden temporary that
    :func:`remove_temporaries` deletes later. The file gets the usual permissions
    (``0o666`` less the umask), as ``open`` would give. Any failure (a full disk, no
    permission, a name too long) is an ``OSError`` whose ``filename`` is ``path``,
    never the temporary name.

    What is not promised: durability. Nothing is flushed to the disk (no ``fsync``), so
    after a power loss or an operating-system crash, files written in the seconds
    before may be missing, or empty or incomplete under their final names; render them
    again with ``existing="overwrite"``.
    """
    # Why no fsync: visheat writes many small files that it can render again, and an
    # fsync waits for the disk on each. Measured on the development machine (ext4 on a
    # virtual disk, two shared cores), save_heatmaps of 1 000 maps of 64 x 64 (PNGs of
    # 7.5 kB): 0.46 s on one thread; 3.97 s with an fsync of each file before its rename;
    # 7.37 s with the folder's fsync after each rename too. On two threads the fsyncs
    # overlap: 0.79 s, 1.43 s and 2.16 s. Two to sixteen times slower, for files that
    # --overwrite writes again.
    path = Path(path)
    tmp = _claim_temporary(path)
    renamed = False
    try:  # entered before the file exists: every interruption from here on removes it
        try:
            with open(tmp, "xb") as handle:
                if isinstance(payload, (bytes, bytearray, memoryview)):
                    handle.write(payload)
                else:
                    for piece in payload:
                        handle.write(piece)
            os.replace(tmp, path)
            renamed = True
        except OSError as err:  # a full disk (ENOSPC), a file too large (EFBIG), ...
            raise OSError(err.errno, err.strerror or str(err), str(path)) from None
    finally:
        _release_temporary(tmp, renamed)


def _writer_alive(pid: int) -> bool:
    """Whether the process (not this one) that named a temporary file still runs."""
    if os.name != "posix" or pid <= 0:
        return False  # no cheap check: the folder is taken to have one writer
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process (EPERM): alive
        return True
    try:  # a killed writer that its parent has not reaped yet (a zombie) runs no more
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rpartition(b")")[2].split()[0] != b"Z"
    except (OSError, IndexError):  # no /proc (macOS): alive
        return True


def _remove_file(entry: Path) -> bool:
    if not entry.is_file():
        return False
    entry.unlink(missing_ok=True)
    return True


def remove_temporaries(folder: str | os.PathLike) -> list[Path]:
    """Delete the temporary files an interrupted :func:`write_atomic` left in ``folder``.

    A process killed between creating its temporary file and renaming it (SIGKILL,
    a machine that lost power) leaves a hidden ``.<name>.<12 hex digits>.tmp``;
    nothing else is touched. Writers that resume or overwrite call this first
    (``existing="skip"`` or ``"overwrite"``, ``--resume``, ``--overwrite``). The first
    six hex digits are the writer's process id: the temporaries of processes that no
    longer run are removed; those of another running process are kept; and those of
    this process are kept while any of its threads writes them (every write registers
    its temporary before creating it), so one thread may overwrite a folder while
    another writes into it. Processes on other machines sharing the folder cannot be
    seen, so run one writer per folder.
    """
    found: list[Path] = []
    directory = Path(folder)
    if not directory.is_dir():
        return found
    own = os.getpid() & 0xFFFFFF
    for entry in directory.iterdir():
        match = _TEMPORARY.fullmatch(entry.name)  # any name, newlines too
        if match is None:
            continue
        pid = int(match["pid"], 16)
        if pid == own:  # decided under the lock: no thread of ours can be creating it now
            with _IN_FLIGHT_LOCK:
                if entry.name not in _IN_FLIGHT and _remove_file(entry):
                    found.append(entry)
        elif not _writer_alive(pid) and _remove_file(entry):
            found.append(entry)
    return found


# -- the output policy: one answer for every writer ------------------------------------

#: What a writer does with files that are already there: refuse (the default; files that
#: hold exactly what it would write are not in the way, so a re-run succeeds), replace
#: them, or keep them (resume an interrupted run).
EXISTING = ("error", "overwrite", "skip")


def check_existing(existing: Any, argument: str = "existing") -> str:
    """The one check of ``existing=`` for every writer (the CLI's ``--existing`` too).

    >>> check_existing("replace")
    Traceback (most recent call last):
    ...
    ValueError: existing: expected 'error', 'overwrite' or 'skip'; got 'replace' (str).
    """
    if not isinstance(existing, str) or existing not in EXISTING:
        raise value_error(argument, "'error', 'overwrite' or 'skip'", existing)
    return existing


class OutputPlan:
    """Which of a writer's files to write, decided once, before anything is written.

    Made by :func:`plan_outputs`; ``todo(i)`` says whether file ``i`` still needs writing
    (not when ``existing="skip"`` keeps it, nor when it already holds what would be written)
    and ``write(i, payload)`` writes it under the policy.
    """

    def __init__(self, folder: Path, paths: list[Path], existing: str, same: set[int],
                 argument: str = "directory", option: str = "existing"):
        self.folder, self.paths, self.existing, self._same = folder, paths, existing, same
        self.argument, self.option = argument, option

    def write(self, i: int, payload: bytes) -> bool:
        """Write file ``i``; with ``existing="error"`` a file that appeared or was kept for a
        later look (``defer=True``) is compared now: equal bytes stay, others are refused."""
        if self.existing == "error":
            return write_checked(self.paths[i], payload, "error", self.argument, self.option)
        write_atomic(self.paths[i], payload)
        return True

    def todo(self, i: int) -> bool:
        if i in self._same:
            return False
        return self.existing != "skip" or not self.paths[i].exists()

    def all_done(self) -> bool:
        return not any(self.todo(i) for i in range(len(self.paths)))


def plan_outputs(folder: str | os.PathLike, paths: Sequence[Path], existing: Any, *,
                 argument: str = "directory", holds: Any = None,
                 option: str = "existing", defer: bool = False) -> OutputPlan:
    """Check a writer's output files against ``existing=`` and prepare ``folder``.

    Every writer of visheat calls this once before writing: ``existing`` is checked;
    names must differ; with ``"error"``, a file already there refuses the whole write
    (nothing is written) unless ``holds(i, path)`` says it holds exactly what file ``i``
    would be; the folder is created; and with ``"overwrite"`` or ``"skip"`` the
    temporaries of a killed run are removed (the folder is the writer's to replace).

    ``option`` is how the caller spells the choice in its message (``"existing"`` in
    Python, ``"--existing"`` on the command line). A writer that knows its files' content
    only once it has rendered them passes ``defer=True``: files already there are then
    compared when :meth:`OutputPlan.write` reaches them (a re-run writes nothing; a
    different file stops the run there, after the files before it were written).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "a.png"
    ...     _ = path.write_bytes(b"old")
    ...     plan_outputs(folder, [path], "error")
    Traceback (most recent call last):
    ...
    ValueError: directory: expected no existing output files (or files holding the same
    content); got .../a.png. Pass existing='overwrite' to replace them or existing='skip' to
    keep them.
    """
    existing = check_existing(existing, option)
    paths = [Path(p) for p in paths]
    check_distinct(paths)
    same: set[int] = set()
    if existing == "error":
        for i, path in enumerate(paths):
            if not path.exists():
                continue
            if defer:
                continue
            if holds is None or not holds(i, path):
                raise clash_error(path, argument, option)
            same.add(i)
    target = prepare_folder(folder, argument)
    if existing != "error":
        remove_temporaries(target)
    return OutputPlan(target, paths, existing, same, argument, option)


def clash_error(path: Path, argument: str = "directory", option: str = "existing"
                ) -> ValueError:
    """The one message for a file in the way of a writer (``existing="error"``)."""
    if option.startswith("--"):
        hint = f"Pass {option} overwrite to replace them or {option} skip to keep them."
    else:
        hint = f"Pass {option}='overwrite' to replace them or {option}='skip' to keep them."
    return value_error(argument, "no existing output files (or files holding the same content)",
                       str(path), hint, described=True)


def write_checked(path: Path, payload: bytes, existing: str, argument: str = "directory",
                  option: str = "existing") -> bool:
    """Write ``payload`` atomically under the policy, deciding when the file is reached.

    For writers whose content is known only as they go (a gallery's cards): a file that
    already holds ``payload`` is left alone (a re-run); another file in the way is an
    error with ``existing="error"``, kept with ``"skip"``, replaced with ``"overwrite"``.
    Returns whether the file was written.
    """
    if path.exists() and existing != "overwrite":
        if existing == "skip" or holds_bytes(payload, path):
            return False
        raise clash_error(path, argument, option)
    write_atomic(path, payload)
    return True


def holds_bytes(payload: bytes, path: Path) -> bool:
    """Whether the file at ``path`` holds exactly ``payload`` (read only if sizes agree)."""
    try:
        return path.is_file() and path.stat().st_size == len(payload) \
            and path.read_bytes() == payload
    except OSError:
        return False
