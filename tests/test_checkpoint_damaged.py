"""Damaged checkpoints are one clear `CheckpointError`; optimiser identity; temp-file cleanup;
`save_checkpoint` argument checks."""

import io
import json
import os
import socket
import re
import zipfile

import numpy as np
import optax
import pytest

from rockpool.nn.modules import RateJax
from rockpool.training import CheckpointError, CheckpointMismatchError, fit, jax_loss, load_checkpoint, read_metadata, save_checkpoint


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    path = tmp_path_factory.mktemp("ck") / "good.npz"
    net = RateJax(3)
    save_checkpoint(path, net, optax.adam(1e-3).init(net.parameters()), step=3, optimizer="adam")
    return path


def _rewrite(src, dst, change):
    """Copy the archive `src` to `dst`, passing every (name, bytes) member through `change`."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            out = change(name, zin.read(name))
            if out is not None:
                zout.writestr(name, out)


def _npy(arr):
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


def _meta_change(fn):
    def change(name, data):
        if name != "__rockpool__.npy":
            return data
        meta = json.loads(str(np.load(io.BytesIO(data))))
        return fn(meta)

    return change


def _damages(good, tmp):
    raw = good.read_bytes()
    flipped = bytearray(raw)
    flipped[len(raw) // 3] ^= 0x10
    cases = {
        "missing": (None, "does not exist"),
        "folder": ("DIR", "folder"),
        "empty": (b"", "empty"),
        "truncated": (raw[: len(raw) // 2], None),
        "random bytes": (np.random.default_rng(0).bytes(300), None),
        "bit flip": (bytes(flipped), None),
        "single npy": (_npy(np.ones(3)), "single .npy"),
    }
    for name, (content, _) in cases.items():
        p = tmp / f"{name.replace(' ', '_')}.npz"
        if content == "DIR":
            p.mkdir()
        elif content is not None:
            p.write_bytes(content)
        yield name, p, cases[name][1]
    edits = {
        "metadata not JSON": (lambda m: _npy(np.array("{not json")), "not valid JSON"),
        "missing field": (lambda m: _npy(np.array(json.dumps({k: v for k, v in m.items() if k != "attributes"}))), "'attributes'"),
        "entry without path": (lambda m: _npy(np.array(json.dumps({**m, "modules": [{"class": "RateJax"}]}))), "lacks"),
        "pickled metadata": (lambda m: _npy(np.array([{"a": 1}], dtype=object)), "pickled"),
    }
    for name, (fn, match) in edits.items():
        p = tmp / f"{name.replace(' ', '_')}.npz"
        _rewrite(good, p, _meta_change(fn))
        yield name, p, match
    p = tmp / "missing_array.npz"
    _rewrite(good, p, lambda n, d: None if n == "module/tau.npy" else d)
    yield "missing array", p, "'module/tau' is missing"
    p = tmp / "missing_opt.npz"
    _rewrite(good, p, lambda n, d: None if n == "optimizer/1.npy" else d)
    yield "missing optimiser leaf", p, "'optimizer/1' is missing"
    p = tmp / "wrong_shape.npz"
    _rewrite(good, p, lambda n, d: _npy(np.ones(5, np.float32)) if n == "module/tau.npy" else d)
    yield "array of another shape", p, "shape"


def test_every_damage_is_a_checkpoint_error_naming_the_file(good, tmp_path):
    net = RateJax(3)
    template = optax.adam(1e-3).init(net.parameters())
    metadata_intact = ("missing array", "missing optimiser leaf", "array of another shape", "bit flip")
    for name, path, match in _damages(good, tmp_path):
        for how in ("load_checkpoint", "read_metadata"):
            try:
                if how == "load_checkpoint":
                    load_checkpoint(path, net, template)
                else:
                    read_metadata(path)
            except CheckpointError as e:
                msg = str(e)
                assert str(path) in msg, (name, msg)
                assert "allow_pickle" not in msg, (name, msg)
                if match:
                    assert match in msg, (name, msg)
            except Exception as e:  # noqa: BLE001 (the point: nothing else may escape)
                pytest.fail(f"{name} ({how}): {type(e).__name__}: {e}")
            else:
                if not (how == "read_metadata" and name in metadata_intact):
                    pytest.fail(f"{name} ({how}): read without an error")
    assert issubclass(CheckpointError, ValueError)
    with pytest.raises(FileNotFoundError):  # a missing file is also a FileNotFoundError
        load_checkpoint(tmp_path / "nope.npz", net)


def test_optimiser_identity_is_recorded_and_checked(good, tmp_path):
    net = RateJax(3)
    assert read_metadata(good)["optimizer"]["name"] == "adam"
    with pytest.raises(CheckpointMismatchError, match="ScaleByAdamState"):
        load_checkpoint(good, net, optax.adamw(1e-3).init(net.parameters()))
    with pytest.raises(CheckpointMismatchError, match="'adam'.*'nadam'"):
        load_checkpoint(good, net, optax.nadam(1e-3).init(net.parameters()), optimizer="nadam")
    # - fit refuses to resume an Adam run with another optimiser, before training
    data = [(np.ones((2, 5, 3), np.float32), np.zeros((2, 5, 3), np.float32))]
    ck = tmp_path / "run.npz"
    fit(net, jax_loss.mse, data, "adam", epochs=1, checkpoint=ck, progress=False)
    for other in ("adamw", "sgd"):
        with pytest.raises(CheckpointMismatchError, match="adam"):
            fit(net, jax_loss.mse, data, other, epochs=2, checkpoint=ck, resume=True, progress=False)


def test_stale_temp_files_of_killed_writers_are_removed(tmp_path):
    host = re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname())[:40]
    target = tmp_path / "ck.npz"
    dead_pid = 2**22 + 12345  # above the usual pid_max: no such process
    stale = tmp_path / f".ck.npz.{host}.{dead_pid}.abc.tmp"
    live = tmp_path / f".ck.npz.{host}.{os.getppid()}.def.tmp"  # a running process (our parent)
    old = tmp_path / ".ck.npz.otherhost.1.ghi.tmp"
    other = tmp_path / ".other.npz.x.1.tmp"
    for p in (stale, live, old, other):
        p.write_bytes(b"partial")
    os.utime(old, (0, 0))
    save_checkpoint(target, RateJax(2))
    assert not stale.exists() and not old.exists()
    assert live.exists() and other.exists() and target.exists()


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(step=-1), ValueError, "step"),
        (dict(step=1.5), ValueError, "step"),
        (dict(step=True), ValueError, "step"),
        (dict(extra=[1, 2]), ValueError, "extra"),
        (dict(extra={"x": float("nan")}), ValueError, "extra"),
        (dict(opt_state={"a": "text"}), TypeError, "opt_state"),
        (dict(optimizer=3), TypeError, "optimizer"),
    ],
)
def test_save_checkpoint_checks_its_arguments(tmp_path, kwargs, error, match):
    with pytest.raises(error, match=match):
        save_checkpoint(tmp_path / "c.npz", RateJax(2), **kwargs)
    assert not list(tmp_path.iterdir())


def test_save_checkpoint_rejects_a_folder_or_a_non_module(tmp_path):
    with pytest.raises(ValueError, match="folder"):
        save_checkpoint(tmp_path, RateJax(2))
    with pytest.raises(TypeError, match="rockpool module"):
        save_checkpoint(tmp_path / "c.npz", {"w": np.ones(2)})
    with pytest.raises(TypeError, match="file name"):
        save_checkpoint(None, RateJax(2))
