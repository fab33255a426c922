"""Checkpoints: save a module (and optionally an optimiser state and a step) to one ``.npz`` file.

A checkpoint is a plain NumPy ``.npz`` archive, readable without this library:

* ``module/<path>``: one array per registered array attribute of the network (Parameters, States
  and array-valued SimulationParameters). ``<path>`` is the submodule path and the attribute name
  joined by ``/``, e.g. ``module/1_RateJax/tau``; a top-level attribute is ``module/tau``.
* ``optimizer/<i>``: the leaves of the optimiser state (``jax.tree_util.tree_leaves`` order),
  present only when an optimiser state was saved.
* ``__rockpool__``: a 0-d unicode array holding a JSON document::

      {"format": "rockpool-checkpoint", "version": 1,
       "modules":    [{"path": "", "class": "JaxSequential", "shape": [2000, 2]}, ...],
       "attributes": [{"path": "1_RateJax/tau", "kind": "Parameter", "family": "taus",
                       "stored": "array", "shape": [200], "dtype": "float32"},
                      {"path": "1_RateJax/dt", "kind": "SimulationParameter",
                       "stored": "json", "value": 0.001},
                      {"path": "1_RateJax/act_fn", "kind": "SimulationParameter",
                       "stored": "none", "type": "function"}, ...],
       "optimizer":  null or {"n_leaves": 3, "treedef": "...", "shapes": [...], "dtypes": [...]},
       "step": 120 or null, "extra": {...}}

  Read it with ``json.loads(str(np.load(path)["__rockpool__"]))``. A non-finite float simulation
  parameter (JSON has no ``inf``) is ``"stored": "float"`` with ``"value": "inf"`` (or ``"nan"``).

Writes are atomic: the archive is written to a temporary file in the same folder, flushed and
``fsync``-ed, then moved over the target with ``os.replace``. A crash mid-write leaves the previous
checkpoint intact (and at worst a stray ``.<name>.*.tmp`` file next to it).

Loading needs a freshly constructed module of the same structure (same classes, submodule paths,
attribute kinds, shapes and dtype kinds): the checkpoint is compared with it first and the first
mismatching path is named in the error. Floating-point arrays are cast to the network's float
precision (so a float64 checkpoint loads into a float32 session); same dtype round trips are
bit-exact.

Example:
    >>> import os, tempfile
    >>> from rockpool.nn.modules import RateJax
    >>> from rockpool.training.checkpoint import save_checkpoint, load_checkpoint
    >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
    >>> _ = save_checkpoint(path, RateJax(3, tau=0.05), step=100)
    >>> net, opt_state, step, extra = load_checkpoint(path, RateJax(3))
    >>> net.tau, step
    (Array([0.05, 0.05, 0.05], dtype=float32), 100)
"""

from __future__ import annotations

import io
import json
import numbers
import os
import re
import socket
import tempfile
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, NoReturn, Optional, Tuple, Union

import numpy as np

__all__ = [
    "save_checkpoint",
    "load_checkpoint",
    "load_module",
    "read_metadata",
    "Checkpoint",
    "CheckpointError",
    "CheckpointMismatchError",
]

FORMAT = "rockpool-checkpoint"
VERSION = 1
META_KEY = "__rockpool__"
PathLike = Union[str, "os.PathLike[str]"]


class CheckpointError(ValueError):
    """A checkpoint file cannot be read (missing, not an archive, truncated, damaged, not a
    rockpool checkpoint) or does not fit what it is loaded into. The message names the file and
    what is wrong. Pickled data is never loaded."""


class CheckpointNotFoundError(CheckpointError, FileNotFoundError):
    """The checkpoint file does not exist."""


class CheckpointMismatchError(CheckpointError):
    """The checkpoint does not fit the network (or optimiser state) it is loaded into."""


def _damaged(path: Path, what: str) -> NoReturn:
    raise CheckpointError(
        f"Checkpoint '{path}' cannot be read: {what}. The file is damaged or is not a rockpool "
        f"checkpoint; use another checkpoint (or delete it to start afresh)."
    )


def _why(e: BaseException) -> str:
    """What went wrong reading an archive, without NumPy's advice to load pickles."""
    msg = str(e)
    if "pickle" in msg.lower():
        return "it holds pickled Python objects, which rockpool never loads (they can run code)"
    if isinstance(e, EOFError) or "truncat" in msg.lower():
        return f"it is truncated ({type(e).__name__}: {msg})"
    if isinstance(e, zipfile.BadZipFile) or "crc" in msg.lower():
        return f"it is not a valid .npz (zip) archive or its data is corrupted ({msg})"
    return f"{type(e).__name__}: {msg}"


class Checkpoint(NamedTuple):
    """What :func:`load_checkpoint` returns."""

    net: Any
    """The module with the saved values (a new module for JAX modules)."""
    opt_state: Any
    """The optimiser state (rebuilt on the template), a list of leaves without template, or ``None``."""
    step: Optional[int]
    """The saved step, or ``None``."""
    extra: Dict[str, Any]
    """The JSON-able ``extra`` dict passed to :func:`save_checkpoint`."""


# ---------------------------------------------------------------------------------------- helpers
def _is_array(x: Any) -> bool:
    return hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, type)


def _json_scalar(x: Any) -> bool:
    return x is None or isinstance(x, (bool, int, float, str)) and not isinstance(x, np.generic)


def _to_numpy(x: Any) -> np.ndarray:
    """A host copy of an array; for a replicated multi-host array, the local replica."""
    if getattr(x, "is_fully_addressable", True) is False:
        x = x.addressable_data(0)
    return np.asarray(x)


def _walk(mod: Any, prefix: str = ""):
    """Yield ``(path, module)`` for ``mod`` and all submodules, depth first, in assignment order."""
    yield prefix, mod
    for name, sub in mod.modules().items():
        yield from _walk(sub, f"{prefix}{name}/")


def _describe(net: Any) -> Tuple[List[dict], List[dict], Dict[str, Any]]:
    """Structure of ``net``: module entries, attribute entries and the arrays to store."""
    modules, attributes, arrays = [], [], {}
    for prefix, mod in _walk(net):
        modules.append(
            {"path": prefix.rstrip("/"), "class": type(mod).__name__, "shape": list(mod.shape)}
        )
        values = mod.__dict__
        for name, attr in mod._registry.items():
            path = prefix + name
            value = values.get(name)
            entry: Dict[str, Any] = {"path": path, "kind": attr.kind.__name__, "family": attr.family}
            if _is_array(value):
                arr = _to_numpy(value)
                entry.update(stored="array", shape=list(arr.shape), dtype=str(arr.dtype))
                arrays["module/" + path] = arr
            elif isinstance(value, float) and not np.isfinite(value):
                # JSON has no inf / nan: keep them as the strings float() reads back
                entry.update(stored="float", value=str(value))
            elif _json_scalar(value):
                entry.update(stored="json", value=value)
            else:
                entry.update(stored="none", type=type(value).__name__)
            attributes.append(entry)
    return modules, attributes, arrays


def _atomic_write(path: Path, write) -> None:
    """Write through ``write(fileobj)`` to a temp file in the target folder, fsync, then replace."""
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f"{_temp_prefix(path)}{os.getpid()}.", suffix=".tmp")
    try:
        # - mkstemp makes the file private (0600); give it the permissions of a normal new file
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    # - Make the rename itself durable (POSIX); harmless where directories cannot be opened
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def _temp_prefix(path: Path) -> str:
    host = re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname())[:40] or "host"
    return f".{path.name}.{host}."


_STALE_SECONDS = 24 * 3600  # temp files of other hosts (or unknown owners) older than this go


def _remove_stale_temps(path: Path) -> None:
    """Delete temp files that killed writes of ``path`` left behind.

    A temp file is named ``.<name>.<host>.<pid>.<random>.tmp``. One of this host whose writer
    process no longer runs is removed; so is any other one older than a day. Temp files of live
    writers (concurrent processes or threads) are never touched.
    """
    prefix, own = f".{path.name}.", _temp_prefix(path)
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        stale = False
        if name.startswith(own):
            pid = name[len(own):].split(".", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid():
                try:
                    os.kill(int(pid), 0)
                except ProcessLookupError:
                    stale = True
                except OSError:
                    pass
        if not stale:
            try:
                stale = time.time() - entry.stat().st_mtime > _STALE_SECONDS
            except OSError:
                continue
        if stale:
            try:
                os.unlink(entry.path)
            except OSError:
                pass


# ---------------------------------------------------------------------------------------- save
def save_checkpoint(
    path: PathLike,
    net: Any,
    opt_state: Any = None,
    step: Optional[int] = None,
    extra: Optional[Dict[str, Any]] = None,
    optimizer: Optional[str] = None,
) -> Path:
    """Save a module, and optionally an optimiser state and a step, atomically to one ``.npz`` file.

    Stored: every array-valued registered attribute (Parameters, States, array SimulationParameters),
    JSON-able simulation parameters (``dt``, ``noise_std``, ...) and the structure (class names,
    paths, shapes, dtypes) used to check a match when loading. Callables (activation functions) are
    not stored; they come from the module the checkpoint is loaded into. The file layout is
    described in the module docstring of :mod:`rockpool.training.checkpoint`.

    Args:
        path: Target file (the name is used as given; ``.npz`` is conventional).
        net: The module (JAX or NumPy backend) to save.
        opt_state: Optional optimiser state (any pytree of arrays: optax or
            ``jax.example_libraries.optimizers`` state).
        step: Optional training step to store.
        extra: Optional JSON-able dict stored alongside (e.g. the epoch and a loss history).
        optimizer: Optional name of the optimiser (e.g. ``"adam"``); :func:`load_checkpoint`
            refuses to restore the state into another one. The structure of ``opt_state`` (its
            optax state classes, e.g. ``ScaleByAdamState``) is always recorded and checked.

    Returns:
        The path written.

    Raises:
        TypeError / ValueError: for a bad ``path`` (a folder, not a path), a ``net`` that is not a
            module, a ``step`` that is not a whole number >= 0, an ``opt_state`` that is not a tree
            of numeric arrays, an ``extra`` that is not JSON-able.

    Example: see the module docstring.
    """
    path = _check_save_args(path, net, step, optimizer)
    modules, attributes, arrays = _describe(net)
    opt_meta = None
    if opt_state is not None:
        import jax

        leaves, treedef = jax.tree_util.tree_flatten(opt_state)
        np_leaves = []
        for i, leaf in enumerate(leaves):
            arr = _to_numpy(leaf) if _is_array(leaf) or isinstance(leaf, (int, float, bool)) else None
            if arr is None or arr.dtype.kind not in "biufc":
                raise TypeError(
                    f"save_checkpoint: opt_state must be a tree of numeric arrays (an optax or "
                    f"jax.example_libraries state); leaf {i} is a {type(leaf).__name__}."
                )
            np_leaves.append(arr)
        for i, leaf in enumerate(np_leaves):
            arrays[f"optimizer/{i}"] = leaf
        opt_meta = {
            "n_leaves": len(np_leaves),
            "treedef": str(treedef),
            "classes": _state_classes(str(treedef)),
            "name": optimizer,
            "shapes": [list(a.shape) for a in np_leaves],
            "dtypes": [str(a.dtype) for a in np_leaves],
        }
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "modules": modules,
        "attributes": attributes,
        "optimizer": opt_meta,
        "step": None if step is None else int(step),
        "extra": extra or {},
    }
    try:
        if not isinstance(meta["extra"], dict):
            raise TypeError(f"got a {type(extra).__name__}")
        json.dumps(meta["extra"], allow_nan=False)
    except (TypeError, ValueError) as e:
        raise ValueError(
            f"save_checkpoint: `extra` must be a JSON-able dict of finite numbers, strings, lists "
            f"and dicts ({e})."
        ) from None
    arrays[META_KEY] = np.array(json.dumps(meta, allow_nan=False))

    def write(f: io.BufferedWriter) -> None:
        np.savez(f, **arrays)

    _atomic_write(path, write)
    return path


def _check_save_args(path: Any, net: Any, step: Any, optimizer: Any) -> Path:
    from rockpool.nn.modules.module import Module

    if not isinstance(path, (str, os.PathLike)) or not str(path):
        raise TypeError(f"save_checkpoint: path must be a file name (str or Path); got {path!r}.")
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"save_checkpoint: '{path}' is a folder; give a file name such as '{path / 'ckpt.npz'}'.")
    if not isinstance(net, Module):
        raise TypeError(
            f"save_checkpoint: net must be a rockpool module; got a {type(net).__name__}. "
            f"(The argument order is save_checkpoint(path, net, opt_state, step).)"
        )
    if step is not None and (
        isinstance(step, bool) or not isinstance(step, (numbers.Integral, np.integer)) or step < 0
    ):
        raise ValueError(f"save_checkpoint: step must be a whole number >= 0 or None; got {step!r}.")
    if optimizer is not None and not isinstance(optimizer, str):
        raise TypeError(f"save_checkpoint: optimizer must be a name (str) or None; got {type(optimizer).__name__}.")
    return path


def _state_classes(treedef: str) -> List[str]:
    """Names of the optimiser state classes in a treedef string (``ScaleByAdamState``, ...)."""
    named = re.findall(r"(?:namedtuple|CustomNode)\[([A-Za-z_][A-Za-z0-9_.]*)", treedef)
    if named:
        return named
    return [n for n in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\(", treedef) if n not in ("PyTreeDef", "CustomNode")]


# ---------------------------------------------------------------------------------------- load
def read_metadata(path: PathLike) -> Dict[str, Any]:
    """Return the JSON metadata of a checkpoint (structure, step, extra) without loading arrays.

    Raises:
        CheckpointError: the file is missing, unreadable or not a rockpool checkpoint.
    """
    path = Path(path)
    with _open(path) as z:
        return _metadata(z, path)


class _Archive:
    """An open ``.npz`` whose every read turns a damaged file into a :class:`CheckpointError`."""

    def __init__(self, path: Path):
        self.path = path
        self.z: Any = None
        try:
            self.fh = open(path, "rb")  # ours to close, whatever NumPy makes of the contents
        except IsADirectoryError:
            _damaged(path, "it is a folder, not a file")
        except OSError as e:
            _damaged(path, f"it cannot be opened ({e})")
        try:
            self.z = np.load(self.fh, allow_pickle=False)
        except Exception as e:  # BadZipFile, EOFError, pickle refusals, OSError, ...
            self.fh.close()
            _damaged(path, _why(e))
        if not isinstance(self.z, np.lib.npyio.NpzFile):
            self.fh.close()
            _damaged(path, "it is a single .npy array, not a .npz archive")
        self.files = self.z.files

    def __getitem__(self, key: str) -> np.ndarray:
        if key not in self.files:
            _damaged(self.path, f"the entry '{key}' is missing")
        try:
            value = self.z[key]
        except (zipfile.BadZipFile, EOFError, ValueError, OSError, zlib.error, KeyError) as e:
            _damaged(self.path, f"entry '{key}': {_why(e)}")
        if value.dtype.kind == "O":
            _damaged(self.path, f"entry '{key}' holds Python objects")
        return value

    def __enter__(self) -> "_Archive":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.z is not None:
            self.z.close()
        self.fh.close()


def _open(path: Path) -> _Archive:
    if not path.exists():
        raise CheckpointNotFoundError(f"Checkpoint '{path}' does not exist.")
    if path.is_dir():
        _damaged(path, "it is a folder, not a file")
    if path.stat().st_size == 0:
        _damaged(path, "it is empty (0 bytes)")
    return _Archive(path)


_FIELDS: Dict[str, Any] = {"modules": list, "attributes": list, "optimizer": (dict, type(None)), "step": (int, type(None))}
_ENTRY_FIELDS = {"modules": ("path", "class", "shape"), "attributes": ("path", "kind", "stored")}


def _metadata(z: Any, path: Path) -> Dict[str, Any]:
    if META_KEY not in z.files:
        raise CheckpointError(
            f"'{path}' is not a rockpool checkpoint (no '{META_KEY}' entry); "
            f"write checkpoints with rockpool.training.save_checkpoint."
        )
    raw = z[META_KEY]
    try:
        meta = json.loads(str(raw))
    except ValueError as e:
        _damaged(path, f"its metadata ('{META_KEY}') is not valid JSON ({e})")
    if not isinstance(meta, dict):
        _damaged(path, f"its metadata is a JSON {type(meta).__name__}, not an object")
    if meta.get("format") != FORMAT or not isinstance(meta.get("version"), int) or meta["version"] > VERSION:
        raise CheckpointError(
            f"'{path}' has format {meta.get('format')!r} version {meta.get('version')!r}; this "
            f"rockpool reads {FORMAT!r} up to version {VERSION}."
        )
    for key, kind in _FIELDS.items():
        if key not in meta:
            _damaged(path, f"its metadata lacks the field '{key}'")
        if not isinstance(meta[key], kind):
            _damaged(path, f"its metadata field '{key}' is a {type(meta[key]).__name__}")
    for key, needed in _ENTRY_FIELDS.items():
        for i, entry in enumerate(meta[key]):
            missing = [f for f in needed if not isinstance(entry, dict) or f not in entry]
            if missing:
                _damaged(path, f"metadata {key}[{i}] lacks {missing}")
            if key == "attributes" and entry["stored"] == "array" and not {"shape", "dtype"} <= set(entry):
                _damaged(path, f"metadata attributes[{i}] ('{entry['path']}') lacks its shape or dtype")
    opt = meta["optimizer"]
    if opt is not None and not isinstance(opt.get("n_leaves"), int):
        _damaged(path, "its optimiser metadata lacks 'n_leaves'")
    if not isinstance(meta.get("extra", {}), dict):
        _damaged(path, "its metadata field 'extra' is not an object")
    return meta


def _dtype_kind(dtype: str) -> str:
    kind = np.dtype(dtype).kind
    return "f" if kind in "fc" else kind


def _compare(path: Path, saved: Dict[str, Any], modules: List[dict], attributes: List[dict]) -> None:
    """Raise :class:`CheckpointMismatchError` at the first difference in structure."""

    def fail(where: str, what: str) -> NoReturn:
        raise CheckpointMismatchError(
            f"Checkpoint '{path}' does not match this network: at '{where or '<root>'}' {what}. "
            f"Construct the network exactly as it was when the checkpoint was saved."
        )

    for old, new in zip(saved["modules"], modules, strict=False):
        if old["path"] != new["path"]:
            fail(new["path"], f"the checkpoint has submodule '{old['path']}' but the network has '{new['path']}'")
        if old["class"] != new["class"]:
            fail(new["path"], f"the checkpoint has a {old['class']} but the network has a {new['class']}")
        if list(old["shape"]) != list(new["shape"]):
            fail(new["path"], f"the checkpoint's {old['class']} has shape {tuple(old['shape'])} but the network's has {tuple(new['shape'])}")
    if len(saved["modules"]) != len(modules):
        if len(saved["modules"]) > len(modules):
            fail(saved["modules"][len(modules)]["path"], "the checkpoint has a submodule the network lacks")
        fail(modules[len(saved["modules"])]["path"], "the network has a submodule the checkpoint lacks")

    old_by_path = {a["path"]: a for a in saved["attributes"]}
    new_paths = {a["path"] for a in attributes}
    for new in attributes:
        old = old_by_path.get(new["path"])
        if old is None:
            fail(new["path"], f"the network has a {new['kind']} the checkpoint lacks")
        if old["kind"] != new["kind"]:
            fail(new["path"], f"the checkpoint has a {old['kind']} but the network has a {new['kind']}")
        if (old["stored"] == "array") != (new["stored"] == "array"):
            fail(new["path"], "one side holds an array and the other does not")
        if new["stored"] == "array":
            if list(old["shape"]) != list(new["shape"]):
                fail(new["path"], f"saved shape {tuple(old['shape'])}, network has {tuple(new['shape'])}")
            if _dtype_kind(old["dtype"]) != _dtype_kind(new["dtype"]):
                fail(new["path"], f"saved dtype {old['dtype']}, network has {new['dtype']}")
    for old in saved["attributes"]:
        if old["path"] not in new_paths:
            fail(old["path"], f"the checkpoint has a {old['kind']} the network lacks")


def _restore_tree(z: Any, saved: Dict[str, Any], attributes: List[dict]) -> Dict[str, Any]:
    """Nested dict of the values to assign, built from the saved arrays and JSON values."""
    new_dtype = {a["path"]: a.get("dtype") for a in attributes}
    tree: Dict[str, Any] = {}
    for old in saved["attributes"]:
        if old["stored"] == "array":
            value = z["module/" + old["path"]]
            if list(value.shape) != list(old["shape"]):
                _damaged(z.path, f"entry 'module/{old['path']}' has shape {value.shape}, its metadata says {tuple(old['shape'])}")
            want = new_dtype[old["path"]]
            if want is not None and str(value.dtype) != want:
                value = value.astype(want)
        elif old["stored"] == "json" and old["kind"] == "SimulationParameter":
            value = old["value"]
        elif old["stored"] == "float" and old["kind"] == "SimulationParameter":
            try:
                value = float(old["value"])
            except (KeyError, TypeError, ValueError):
                _damaged(z.path, f"metadata value of '{old['path']}' is not a number")
        else:
            continue
        *subs, name = old["path"].split("/")
        node = tree
        for s in subs:
            node = node.setdefault(s, {})
        node[name] = value
    return tree


def load_checkpoint(path: PathLike, net: Any, opt_state: Any = None, optimizer: Optional[str] = None) -> Checkpoint:
    """Load a checkpoint into a freshly constructed module of the same structure.

    Args:
        path: The ``.npz`` file written by :func:`save_checkpoint`.
        net: A module constructed like the saved one (its values are replaced). JAX modules are
            left untouched and a new module is returned; NumPy modules are updated in place.
        opt_state: Optional template optimiser state (e.g. ``optimizer.init(net.parameters())``);
            the saved leaves are placed into its structure. Without a template the saved leaves are
            returned as a list of NumPy arrays (``None`` if none were saved).
        optimizer: Optional name of the optimiser the state is for (``"adam"``); an error if the
            checkpoint recorded another name. The template's state classes are always compared
            with the saved ones (an Adam state does not load into AdamW's or SGD's).

    Returns:
        ``Checkpoint(net, opt_state, step, extra)`` (a named tuple).

    Raises:
        CheckpointMismatchError: naming the first path where the checkpoint and network differ,
            or an optimiser other than the saved one.
        CheckpointError: the file is missing, unreadable, damaged or not a rockpool checkpoint.

    Example: see the module docstring (``template``: an optimiser state of the right structure,
    e.g. ``optax.adam(1e-3).init(fresh_net.parameters())``).
    """
    path = Path(path)
    with _open(path) as z:
        saved = _metadata(z, path)
        modules, attributes, _ = _describe(net)
        _compare(path, saved, modules, attributes)
        tree = _restore_tree(z, saved, attributes)
        opt_leaves = None
        if saved["optimizer"] is not None:
            opt_leaves = [z[f"optimizer/{i}"] for i in range(saved["optimizer"]["n_leaves"])]
    try:
        new_net = net.set_attributes(tree)
    except ValueError as e:  # e.g. a NaN or a negative time constant written into the file
        raise CheckpointError(f"Checkpoint '{path}' holds values the network rejects: {e}") from None
    out_opt = None
    if opt_leaves is not None:
        if opt_state is not None:
            _check_optimizer(path, saved["optimizer"], opt_state, optimizer)
        out_opt = opt_leaves if opt_state is None else _restore_opt_state(path, opt_leaves, opt_state)
    elif opt_state is not None:
        raise CheckpointMismatchError(
            f"Checkpoint '{path}' holds no optimiser state, but a template was given; save it with "
            f"save_checkpoint(..., opt_state=...) or load without a template."
        )
    return Checkpoint(new_net, out_opt, saved["step"], saved.get("extra") or {})


def _check_optimizer(path: Path, saved: Dict[str, Any], template: Any, name: Optional[str]) -> None:
    """Refuse to restore one optimiser's state into another (Adam into AdamW, SGD, ...)."""
    import jax

    old_name = saved.get("name")
    if name is not None and old_name is not None and name != old_name:
        raise CheckpointMismatchError(
            f"Checkpoint '{path}' holds the state of optimiser '{old_name}', but it is being "
            f"resumed with '{name}'. Resume with the same optimiser, or start a new checkpoint."
        )
    old = saved.get("classes")
    if old is None and "treedef" in saved:
        old = _state_classes(str(saved["treedef"]))
    new = _state_classes(str(jax.tree_util.tree_structure(template)))
    if old is not None and list(old) != new:
        raise CheckpointMismatchError(
            f"Checkpoint '{path}' holds an optimiser state made of {old or ['(plain arrays)']}, but "
            f"the optimiser in use has {new or ['(plain arrays)']}: a different optimiser (e.g. Adam "
            f"vs AdamW) or optimiser settings. Resume with the optimiser that wrote it, or start "
            f"a new checkpoint."
        )


def _restore_opt_state(path: Path, leaves: List[np.ndarray], template: Any) -> Any:
    import jax
    import jax.numpy as jnp

    t_leaves, treedef = jax.tree_util.tree_flatten(template)
    if len(t_leaves) != len(leaves):
        raise CheckpointMismatchError(
            f"Checkpoint '{path}': the saved optimiser state has {len(leaves)} leaves but the "
            f"template has {len(t_leaves)}; use the same optimiser and network as when saving."
        )
    out = []
    for i, (old, new) in enumerate(zip(leaves, t_leaves, strict=True)):
        shape = tuple(np.shape(new))
        if tuple(old.shape) != shape:
            raise CheckpointMismatchError(
                f"Checkpoint '{path}': optimiser state leaf {i} has saved shape {tuple(old.shape)} "
                f"but the template has {shape}; use the same optimiser and network as when saving."
            )
        dtype = getattr(new, "dtype", None)
        out.append(jnp.asarray(old, dtype=dtype) if dtype is not None else jnp.asarray(old))
    return jax.tree_util.tree_unflatten(treedef, out)


def load_module(path: PathLike, net: Any) -> Any:
    """Load only the module from a checkpoint: ``load_checkpoint(path, net).net``.

    Example::

        net = load_module("ckpt.npz", RateJax(3))
    """
    return load_checkpoint(path, net).net
