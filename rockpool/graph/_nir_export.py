"""rockpool network -> NIR graph (the export half of :mod:`rockpool.graph.nir`), and the exact
rebuild of our own exported neuron nodes from their metadata."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from rockpool.graph._nir_nodes import Heaviside, NIRImportError, _quiet, exact_li, li_identity

__all__ = ["export_module", "export_chain", "Part", "rockpool_module_from_meta", "class_in_mro"]

INPUT_CONVENTIONS = ("held", "dirac")


def _f64(x: Any) -> np.ndarray:
    return np.array(x, dtype=np.float64)


def _label(mod: Any) -> str:
    return mod.full_name.strip()


def class_in_mro(mod: Any, *names: str) -> bool:
    return any(
        k.__name__ in names and k.__module__.startswith("rockpool.") for k in type(mod).__mro__
    )


class Part:
    """A piece of flat NIR graph: nodes, edges, and the names of its entry and exit nodes."""

    def __init__(self, nodes: Dict[str, Any], edges: List[Tuple[str, str]], entry: str, exit: str):
        self.nodes, self.edges, self.entry, self.exit = nodes, edges, entry, exit


def _euler_tau(tau: np.ndarray, dt: float, integration: str) -> Tuple[np.ndarray, np.ndarray]:
    """``(tau_nir, decay)``: the time constant whose forward-Euler step ``1 - dt/tau_nir`` equals
    the module's per-step decay (exact for ``integration="euler"``, where ``tau_nir = tau``)."""
    if integration == "euler":
        return tau.copy(), 1.0 - dt / tau
    decay = np.exp(-dt / tau)
    with np.errstate(divide="ignore"):
        return dt / (1.0 - decay), decay


def _lif_node(mod: Any, dt: float, conv: str) -> Any:
    import nir

    integ = str(mod.integration)
    n_out = mod.size_out
    tau_mem, tau_syn, bias = _f64(mod.tau_mem), _f64(mod.tau_syn), _f64(mod.bias)
    if mod.n_syn != 1 and not np.all(tau_syn == tau_syn[:, :1]):
        raise ValueError(
            f"to_nir: {_label(mod)} has {mod.n_syn} synapses per neuron with different tau_syn, but "
            f"nir.CubaLIF has one synapse per neuron. Give each neuron's synapses one tau_syn, or "
            f"use a layer of shape (N, N)."
        )
    ts, a = _euler_tau(tau_syn[:, 0], dt, integ)
    tm, _ = _euler_tau(tau_mem, dt, integ)
    # - Held convention, forward Euler: I += (dt/tau_syn) (w_in x - I); V += (dt/tau_mem)(v_leak + r I - V).
    #   exp: I = a (I + x) -> w_in = a tau_syn/dt; euler: I = a I + x -> w_in = tau_syn/dt.
    w_in = ts / dt * (a if integ == "exp" else 1.0)
    r = tm / dt
    scale = dt if conv == "dirac" else 1.0
    reset = str(mod.reset_mode)
    v_reset = _f64(mod.v_reset) if reset == "to_value" else np.zeros(n_out)
    meta = _meta(
        mod,
        dt,
        conv,
        "LIF",
        integration=integ,
        reset_mode=reset,
        max_spikes_per_dt=float(np.asarray(mod.max_spikes_per_dt)),
        noise_std=float(np.asarray(mod.noise_std)),
        tau_mem=tau_mem,
        tau_syn=tau_syn,
        bias=bias,
        threshold=_f64(mod.threshold),
    )
    if reset == "to_value":
        meta["v_reset"] = v_reset
    if (
        integ == "euler" and np.all(tau_syn == dt) and mod.n_syn == 1
    ):  # no synapse: nir.LIF / nir.IF
        if np.all(np.isinf(tau_mem)):
            return nir.IF(
                r=np.full(n_out, scale / dt),
                v_threshold=_f64(mod.threshold),
                v_reset=v_reset,
                metadata=meta,
            )
        return nir.LIF(
            tau=tm,
            r=r * scale,
            v_leak=bias * r,
            v_threshold=_f64(mod.threshold),
            v_reset=v_reset,
            metadata=meta,
        )
    return nir.CubaLIF(
        tau_syn=ts,
        tau_mem=tm,
        r=r,
        v_leak=bias * r,
        v_threshold=_f64(mod.threshold),
        v_reset=v_reset,
        w_in=w_in * scale,
        metadata=meta,
    )


def _meta(mod: Any, dt: float, conv: str, cls: str, **extra: Any) -> Dict[str, Any]:
    return {"rockpool_class": cls, "dt": float(dt), "input_convention": conv, **extra}


def _export_lif(mod: Any, name: str, conv: str) -> Part:
    import nir

    node = _lif_node(mod, float(mod.dt), conv)
    n_out, n_syn = mod.size_out, mod.n_syn
    if n_syn == 1:
        return _with_rec(mod, name, node)
    # - Synapses sharing a time constant add up: input channel j feeds neuron j // n_syn
    summing = np.kron(np.eye(n_out), np.ones((1, n_syn)))  # (Nout, Nin), NIR layout
    syn = f"{name}.synapses"
    nodes = {syn: nir.Linear(weight=summing), name: node}
    edges = [(syn, name)]
    if "w_rec" in mod._registry:
        rec = f"{name}.w_rec"
        nodes[rec] = nir.Linear(weight=(_f64(mod.w_rec) @ summing.T).T)
        edges += [(name, rec), (rec, name)]
    return Part(nodes, edges, syn, name)


def _export_rate(mod: Any, name: str, conv: str) -> Part:
    import nir

    from rockpool.graph.convert import _activation_name

    act = _activation_name(mod.act_fn)
    if act is li_identity:
        act = "identity"
    if not isinstance(act, str):
        raise ValueError(
            f"to_nir: {_label(mod)} uses a custom activation {act!r}, which NIR cannot express. "
            f"Use activation_func='relu', 'sigmoid' or 'tanh'."
        )
    dt = float(mod.dt)
    tau = _f64(mod.tau)
    # - Rate is the held-input forward-Euler LI: x += dt/tau (-x + i + b)
    node = nir.LI(
        tau=tau,
        r=np.full(tau.shape, dt if conv == "dirac" else 1.0),
        v_leak=_f64(mod.bias),
        metadata=_meta(
            mod,
            dt,
            conv,
            "Rate",
            activation=act,
            threshold=_f64(mod.threshold),
            noise_std=float(np.asarray(mod.noise_std)),
            tau=tau,
        ),
    )
    return _with_rec(mod, name, node)


def _export_expsyn(mod: Any, name: str, conv: str) -> Part:
    import nir

    dt = float(mod.dt)
    tau = np.broadcast_to(_f64(mod.tau), (mod.size_out,)).copy()
    scale = dt if conv == "dirac" else 1.0
    meta = _meta(mod, dt, conv, "ExpSyn", tau=tau)
    if np.all(np.isinf(tau)):  # I = I + x: an integrator, dv/dt = R x with R = 1/dt
        return Part({name: nir.I(r=np.full(tau.shape, scale / dt), metadata=meta)}, [], name, name)
    # - I = a (I + x) as a forward-Euler LI: V += (dt/tau')(r x - V) with 1 - dt/tau' = a, r = a tau'/dt
    t_nir, a = _euler_tau(tau, dt, "exp")
    node = nir.LI(tau=t_nir, r=a * t_nir / dt * scale, v_leak=np.zeros_like(tau), metadata=meta)
    return Part({name: node}, [], name, name)


def export_module(mod: Any, name: str, conv: str) -> Part:
    import nir

    if class_in_mro(mod, "Linear", "LinearJax"):
        w = _f64(mod.weight).T
        node = (
            nir.Affine(weight=w, bias=_f64(mod.bias))
            if "bias" in mod._registry
            else nir.Linear(weight=w)
        )
        return Part({name: node}, [], name, name)
    if class_in_mro(mod, "LIF", "LIFJax"):
        return _export_lif(mod, name, conv)
    if class_in_mro(mod, "ExpSyn", "ExpSynJax"):
        return _export_expsyn(mod, name, conv)
    if class_in_mro(mod, "Rate", "RateJax"):
        return _export_rate(mod, name, conv)
    if class_in_mro(mod, "Instant", "InstantJax") and isinstance(mod.function, Heaviside):
        th = np.broadcast_to(mod.function.threshold, (mod.size_out,)).copy()
        return Part({name: nir.Threshold(threshold=th)}, [], name, name)
    if class_in_mro(mod, "ResidualMixin"):
        inner = export_chain(mod, "", False, conv)
        nodes = OrderedDict(inner.nodes)
        n = mod.size_in
        nodes["input"] = nir.Input(input_type=np.array([n]))
        nodes["output"] = nir.Output(output_type=np.array([n]))
        edges = list(inner.edges) + [
            ("input", inner.entry),
            (inner.exit, "output"),
            ("input", "output"),
        ]
        sub = nir.NIRGraph(nodes=dict(nodes), edges=edges, metadata={"rockpool_class": "Residual"})
        return Part({name: sub}, [], name, name)
    if class_in_mro(mod, "FFwdStackMixin"):
        return export_chain(mod, name + ".", True, conv)
    if class_in_mro(mod, "SequentialMixin"):
        return export_chain(mod, name + ".", False, conv)
    raise ValueError(
        f"to_nir: {_label(mod)} ({type(mod).__name__}) has no NIR equivalent. NIR export supports "
        f"Linear, LIF, ExpSyn, Rate, Instant with a nir Heaviside (and their Jax twins), "
        f"Sequential, FFwdStack and Residual."
    )


def _with_rec(mod: Any, name: str, node: Any) -> Part:
    import nir

    nodes = {name: node}
    edges: List[Tuple[str, str]] = []
    if "w_rec" in mod._registry:
        rec = f"{name}.w_rec"
        nodes[rec] = nir.Linear(weight=_f64(mod.w_rec).T)
        edges = [(name, rec), (rec, name)]
    return Part(nodes, edges, name, name)


def export_chain(mod: Any, prefix: str, weights: bool, conv: str) -> Part:
    import nir

    subs = list(mod.modules().items())
    if not subs:
        raise ValueError(f"to_nir: {_label(mod)} has no submodules.")
    nodes: Dict[str, Any] = OrderedDict()
    edges: List[Tuple[str, str]] = []
    prev: Optional[Part] = None
    first: Optional[Part] = None
    for i, (sub_name, sub) in enumerate(subs):
        if weights and prev is not None:  # a weight joins each part to the one before
            wname = f"{prefix}weight_{i - 1}"
            nodes[wname] = nir.Linear(weight=_f64(getattr(mod, f"weight_{i - 1}")).T)
            edges.append((prev.exit, wname))
            prev = Part({}, [], wname, wname)
        part = export_module(sub, prefix + sub_name, conv)
        nodes.update(part.nodes)
        edges.extend(part.edges)
        if prev is not None:
            edges.append((prev.exit, part.entry))
        first = first or part
        prev = part
    assert first is not None and prev is not None  # `subs` is not empty
    return Part(nodes, edges, first.entry, prev.exit)


# ---------------------------------------------------------------------------------------------- our own files
def _m(meta: Dict[str, Any], key: str, where: str) -> np.ndarray:
    if key not in meta:
        raise NIRImportError(
            f"{where}: rockpool metadata lacks '{key}'; the file was written by another version. "
            f"Pass convention='nir' after removing the 'rockpool_class' metadata."
        )
    return _f64(meta[key])


def rockpool_module_from_meta(
    where: str, node: Any, meta: Dict[str, Any], rec: Optional[np.ndarray], C: Any
) -> Any:
    """Rebuild a module exported by rockpool from its metadata (bit-exact), or ``None`` if the
    metadata is of the older kind that only carries ``dt``."""
    cls = str(meta["rockpool_class"])
    dt = float(np.asarray(meta.get("dt", 1e-3)))
    if cls == "LIF" and "tau_mem" in meta:
        # - Several synapses per neuron share one tau_syn (export checks it) and are summed by
        #   the "<name>.synapses" Linear in front: rebuild one synapse per neuron
        tau_syn = (
            _m(meta, "tau_syn", where).reshape(-1, 1)
            if np.ndim(meta["tau_syn"]) < 2
            else _m(meta, "tau_syn", where)[:, :1]
        )
        n = int(tau_syn.shape[0])
        kw: Dict[str, Any] = dict(
            tau_mem=_m(meta, "tau_mem", where),
            tau_syn=tau_syn,
            bias=_m(meta, "bias", where),
            threshold=_m(meta, "threshold", where),
            dt=dt,
            integration=str(meta.get("integration", "exp")),
            max_spikes_per_dt=float(np.asarray(meta.get("max_spikes_per_dt", 2**16))),
            noise_std=float(np.asarray(meta.get("noise_std", 0.0))),
        )
        if str(meta.get("reset_mode", "subtract")) == "to_value":
            kw.update(reset_mode="to_value", v_reset=_m(meta, "v_reset", where))
        if rec is not None:
            kw.update(has_rec=True, w_rec=rec)
        return C.LIF((n, n), **kw)
    if cls == "Rate" and "tau" in meta:
        tau = _m(meta, "tau", where)
        act = str(meta.get("activation", "relu"))
        kw = dict(
            tau=tau,
            bias=_f64(node.v_leak),
            threshold=np.broadcast_to(_m(meta, "threshold", where), tau.shape).copy(),
            activation_func=li_identity if act == "identity" else act,
            dt=dt,
            noise_std=float(np.asarray(meta.get("noise_std", 0.0))),
        )
        if rec is not None:
            kw.update(has_rec=True, w_rec=rec)
        if act == "identity":  # a NIR leaky integrator: forward Euler is its convention
            return exact_li(_quiet(lambda: C.Rate((tau.size,), **kw)))
        return C.Rate((tau.size,), **kw)
    if cls == "ExpSyn" and "tau" in meta:
        tau = _m(meta, "tau", where)
        return C.ExpSyn((tau.size,), tau=tau, dt=dt)
    return None


# ---------------------------------------------------------------------------------------------- snnTorch
SNNTORCH_DT = 1e-4  # snnTorch 1.0 hard-codes this time step when it reads or writes NIR


def for_snntorch(graph: Any) -> Any:
    """Rewrite an exported graph (in place) so that snnTorch 1.0 reads it as the same network.

    snnTorch steps every node with ``dt = 1e-4`` s and accepts a ``CubaLIF`` only with ``w_in =
    tau_syn / dt`` and ``r = tau_mem / dt``. So: every time constant is rescaled by ``1e-4 / dt``
    (the per-step decays, hence the discrete network, are unchanged; the node metadata records the
    real ``dt`` as ``"rockpool_dt"``), and a ``w_in`` factor other than ``tau_syn / dt`` (our
    exponential step's ``exp(-dt/tau_syn)``) is folded into the weight nodes that feed the neuron,
    its recurrent weights included. The rockpool metadata is dropped: the file is read back with
    ``convention="snntorch"``.
    """
    import nir

    for name, node in list(graph.nodes.items()):
        meta = dict(getattr(node, "metadata", None) or {})
        if isinstance(node, nir.NIRGraph):
            for_snntorch(node)
            continue
        if "dt" not in meta or not isinstance(node, (nir.CubaLIF, nir.LIF, nir.IF, nir.LI, nir.I)):
            continue
        dt = float(np.asarray(meta["dt"]))
        scale = SNNTORCH_DT / dt
        if isinstance(node, nir.CubaLIF):
            factor = _f64(node.w_in) * dt / _f64(node.tau_syn)
            if not np.allclose(factor, 1.0, rtol=1e-12, atol=0):
                _fold_into_inputs(graph, name, factor)
                node.w_in = _f64(node.tau_syn) / dt
            node.tau_syn = _f64(node.tau_syn) * scale
            node.tau_mem = _f64(node.tau_mem) * scale
        elif isinstance(node, (nir.LIF, nir.LI)):
            node.tau = _f64(node.tau) * scale
        elif isinstance(node, (nir.IF, nir.I)):
            node.r = _f64(node.r) / scale  # dv/dt = r x: the same increment per step
        node.metadata = {
            "dt": SNNTORCH_DT,
            "rockpool_dt": dt,
            "input_convention": meta.get("input_convention", "held"),
        }
    return graph


def _fold_into_inputs(graph: Any, name: str, factor: np.ndarray) -> None:
    """Multiply the rows (outputs) of every weight node feeding ``name`` by ``factor``."""
    import nir

    feeders = [a for a, b in graph.edges if b == name]
    for f in feeders:
        w = graph.nodes[f]
        if not isinstance(w, (nir.Linear, nir.Affine)) or [b for a, b in graph.edges if a == f] != [
            name
        ]:
            raise ValueError(
                f"to_nir(for_snntorch=True): neuron node '{name}' is fed by '{f}' (nir.{type(w).__name__}), "
                f"not by weights of its own, so its input factor exp(-dt/tau_syn) cannot be folded; "
                f"snnTorch needs w_in = tau_syn/dt. Put a Linear layer in front, or use "
                f"LIF(integration='euler')."
            )
        w.weight = _f64(w.weight) * factor[:, None]
        if isinstance(w, nir.Affine):
            w.bias = _f64(w.bias) * factor
