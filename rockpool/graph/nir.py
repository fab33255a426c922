r"""Import and export networks in the Neural Intermediate Representation (NIR).

Needs the optional package ``nir`` (``pip install 'rockpool[nir]'``).

* :func:`to_nir` turns a rockpool network into a :class:`nir.NIRGraph`;
* :func:`from_nir` builds a network from a :class:`nir.NIRGraph` (JAX modules by default,
  ``backend="native"`` for NumPy modules);
* :func:`write_nir` / :func:`read_nir` save and load ``.nir`` (HDF5) files via ``nir.write`` /
  ``nir.read``.

Structure
---------
``Sequential`` (and ``FFwdStack``) networks become flat chains of NIR nodes named
``"<submodule>"`` (nested networks: ``"<outer>.<inner>"``), joined by edges, plus ``input`` and
``output`` nodes. A ``Residual`` block becomes a nested :class:`nir.NIRGraph` whose ``input`` node
feeds both the chain and, directly, its ``output`` node (NIR adds the signals that arrive at a
node). Recurrent weights ``w_rec`` become a ``nir.Linear`` node ``"<layer>.w_rec"`` with edges
``layer -> layer.w_rec -> layer``. Importing reverses all of this.

Dynamics: continuous-time NIR vs discrete-time rockpool
-------------------------------------------------------
NIR describes neurons as ODEs in continuous time; rockpool steps them with step ``dt``, applying
input *as impulses*: a value ``x`` arriving in one step is a Dirac pulse of area ``x``. With
``S(t)`` such an impulse train, the rockpool models are the exact solutions (synapses) and
per-step updates (membranes) of:

* ``LIF`` <-> ``nir.CubaLIF``: :math:`\tau_{syn} \dot I = -I + w_{in} S`,
  :math:`\tau_{mem} \dot V = (v_{leak} - V) + r I`, with
  ``w_in = tau_syn`` (a unit impulse raises ``I`` by 1), ``r = tau_mem / dt`` (``V`` gains the
  current once per step), ``v_leak = bias * tau_mem / dt``, ``v_threshold = threshold``,
  ``v_reset = 0``. rockpool resets *subtractively* (``V -= threshold`` per spike); NIR's reset to
  ``v_reset`` differs when ``V`` overshoots the threshold, which other tools should know.
  On import a general gain ``g = (w_in / tau_syn) * (r * dt / tau_mem)`` other than 1 is folded
  into the preceding ``Linear`` (or a diagonal ``Linear`` is inserted) and into ``w_rec``.
* ``ExpSyn`` <-> ``nir.LI`` with ``tau = tau``, ``r = tau`` (unit jump per unit impulse),
  ``v_leak = 0``. On import a gain ``r / tau`` other than 1 is folded as above.
* ``Rate`` <-> ``nir.LI`` with ``r = 1``, ``v_leak = bias`` (:math:`\tau \dot x = -x + i + b`,
  which rockpool integrates with forward Euler). NIR has no rectifier, so the activation and
  threshold travel in the node's ``metadata`` (``rockpool_class``, ``activation``,
  ``threshold``): other tools see the leaky integrator only.
* ``Linear`` <-> ``nir.Linear`` (no bias) / ``nir.Affine`` (bias). NIR weights are
  ``(N_out, N_in)``, the transpose of ours. ``nir.Scale`` imports as a diagonal ``Linear``.

Every exported neuron node carries ``metadata={"rockpool_class": ..., "dt": dt}`` (plus
``noise_std``, and ``max_spikes_per_dt`` for LIF, which NIR cannot express); ``dt`` from the
metadata wins over the ``dt`` argument of :func:`from_nir`, so a round trip of our own export
rebuilds the same network, with the same outputs. NIR nodes with no rockpool equivalent
(``LIF`` without synapse, ``IF``, ``I``, ``CubaLI``, ``Threshold``, convolutions, pooling,
``Delay``, ``Flatten``; also ``Instant`` / ``Softmax`` on export) raise an error naming them.

Example:
    >>> from rockpool.nn.modules import LinearJax, LIFJax
    >>> from rockpool.nn.combinators import Sequential
    >>> from rockpool.graph import to_nir, from_nir
    >>> net = Sequential(LinearJax((2, 3)), LIFJax(3))
    >>> g = to_nir(net)
    >>> sorted(g.nodes)
    ['0_LinearJax', '1_LIFJax', 'input', 'output']
    >>> net2 = from_nir(g)
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np

__all__ = ["to_nir", "from_nir", "write_nir", "read_nir"]


def _nir():
    from rockpool._optional import require

    return require("nir", "nir")


def _f64(x: Any) -> np.ndarray:
    return np.array(x, dtype=np.float64)


def _label(mod: Any) -> str:
    return mod.full_name.strip()


# ============================================================================ export
class _Part:
    """A piece of flat NIR graph: nodes, edges, and the names of its entry and exit nodes."""

    def __init__(self, nodes: Dict[str, Any], edges: List[Tuple[str, str]], entry: str, exit: str):
        self.nodes, self.edges, self.entry, self.exit = nodes, edges, entry, exit


def _class_in_mro(mod: Any, *names: str) -> bool:
    return any(k.__name__ in names and k.__module__.startswith("rockpool.") for k in type(mod).__mro__)


def _export(mod: Any, name: str) -> _Part:
    nir = _nir()
    if _class_in_mro(mod, "Linear", "LinearJax"):
        w = _f64(mod.weight).T
        if "bias" in mod._registry:
            node = nir.Affine(weight=w, bias=_f64(mod.bias))
        else:
            node = nir.Linear(weight=w)
        return _Part({name: node}, [], name, name)

    if _class_in_mro(mod, "LIF", "LIFJax"):
        dt = float(mod.dt)
        tau_mem = _f64(mod.tau_mem)
        tau_syn = _f64(mod.tau_syn)
        n_in, n_out = mod.size_in, mod.size_out
        n_syn = n_in // n_out
        if n_syn != 1 and not np.all(tau_syn == tau_syn[:, :1]):
            raise ValueError(
                f"to_nir: {_label(mod)} has {n_syn} synapses per neuron with different tau_syn, but "
                f"nir.CubaLIF has one synapse per neuron. Give each neuron's synapses one tau_syn, or "
                f"use a layer of shape (N, N)."
            )
        tau_syn = tau_syn[:, 0].copy()
        k = tau_mem / dt
        node = nir.CubaLIF(
            tau_syn=tau_syn,
            tau_mem=tau_mem,
            r=k.copy(),
            v_leak=_f64(mod.bias) * k,
            v_threshold=_f64(mod.threshold),
            v_reset=np.zeros(n_out),
            w_in=tau_syn.copy(),
            metadata={
                "rockpool_class": "LIF",
                "dt": dt,
                "reset": "subtractive",
                "max_spikes_per_dt": float(np.asarray(mod.max_spikes_per_dt)),
                "noise_std": float(np.asarray(mod.noise_std)),
            },
        )
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
        return _Part(nodes, edges, syn, name)

    if _class_in_mro(mod, "ExpSyn", "ExpSynJax"):
        tau = np.broadcast_to(_f64(mod.tau), (mod.size_out,)).copy()
        node = nir.LI(
            tau=tau,
            r=tau.copy(),
            v_leak=np.zeros_like(tau),
            metadata={"rockpool_class": "ExpSyn", "dt": float(mod.dt)},
        )
        return _Part({name: node}, [], name, name)

    if _class_in_mro(mod, "Rate", "RateJax"):
        from rockpool.graph.convert import _activation_name

        act = _activation_name(mod.act_fn)
        if not isinstance(act, str):
            raise ValueError(
                f"to_nir: {_label(mod)} uses a custom activation {act!r}, which NIR cannot express. "
                f"Use activation_func='relu', 'sigmoid' or 'tanh'."
            )
        tau = _f64(mod.tau)
        node = nir.LI(
            tau=tau,
            r=np.ones_like(tau),
            v_leak=_f64(mod.bias),
            metadata={
                "rockpool_class": "Rate",
                "dt": float(mod.dt),
                "activation": act,
                "threshold": _f64(mod.threshold),
                "noise_std": float(np.asarray(mod.noise_std)),
            },
        )
        return _with_rec(mod, name, node)

    if _class_in_mro(mod, "ResidualMixin"):
        inner = _export_chain(mod, "", False)
        nodes = OrderedDict(inner.nodes)
        n = mod.size_in
        nodes["input"] = nir.Input(input_type=np.array([n]))
        nodes["output"] = nir.Output(output_type=np.array([n]))
        edges = list(inner.edges) + [("input", inner.entry), (inner.exit, "output"), ("input", "output")]
        sub = nir.NIRGraph(nodes=dict(nodes), edges=edges, metadata={"rockpool_class": "Residual"})
        return _Part({name: sub}, [], name, name)

    if _class_in_mro(mod, "FFwdStackMixin"):
        return _export_chain(mod, name + ".", True)

    if _class_in_mro(mod, "SequentialMixin"):
        return _export_chain(mod, name + ".", False)

    raise ValueError(
        f"to_nir: {_label(mod)} ({type(mod).__name__}) has no NIR equivalent. NIR export supports "
        f"Linear, LIF, ExpSyn, Rate (and their Jax twins), Sequential, FFwdStack and Residual."
    )


def _with_rec(mod: Any, name: str, node: Any) -> _Part:
    nir = _nir()
    nodes = {name: node}
    edges: List[Tuple[str, str]] = []
    if "w_rec" in mod._registry:
        rec = f"{name}.w_rec"
        nodes[rec] = nir.Linear(weight=_f64(mod.w_rec).T)
        edges = [(name, rec), (rec, name)]
    return _Part(nodes, edges, name, name)


def _export_chain(mod: Any, prefix: str, weights: bool) -> _Part:
    subs = list(mod.modules().items())
    if not subs:
        raise ValueError(f"to_nir: {_label(mod)} has no submodules.")
    nir = _nir()
    nodes: Dict[str, Any] = OrderedDict()
    edges: List[Tuple[str, str]] = []
    prev: Optional[_Part] = None
    first: Optional[_Part] = None
    for i, (sub_name, sub) in enumerate(subs):
        if weights and prev is not None:  # a weight joins each part to the one before
            wname = f"{prefix}weight_{i - 1}"
            nodes[wname] = nir.Linear(weight=_f64(getattr(mod, f"weight_{i - 1}")).T)
            edges.append((prev.exit, wname))
            prev = _Part({}, [], wname, wname)
        part = _export(sub, prefix + sub_name)
        nodes.update(part.nodes)
        edges.extend(part.edges)
        if prev is not None:
            edges.append((prev.exit, part.entry))
        first = first or part
        prev = part
    assert first is not None and prev is not None  # `subs` is not empty
    return _Part(nodes, edges, first.entry, prev.exit)


def to_nir(module: Any, name: str = "") -> Any:
    """Export a rockpool network as a :class:`nir.NIRGraph`.

    Args:
        module: A supported module or network (see the module docstring for the mapping).
        name: Name for a single-module export (default: the module's class name).

    Returns:
        A ``nir.NIRGraph`` with ``input`` and ``output`` nodes.

    Raises:
        ValueError: Naming the first submodule NIR cannot express.

    Example:
        >>> from rockpool.nn.modules import LinearJax
        >>> to_nir(LinearJax((2, 3))).nodes["LinearJax"].weight.shape
        (3, 2)
    """
    nir = _nir()
    if _class_in_mro(module, "TimedModuleWrapper"):
        module = module.module
    if _class_in_mro(module, "SequentialMixin") and not _class_in_mro(module, "ResidualMixin"):
        part = _export_chain(module, "", _class_in_mro(module, "FFwdStackMixin"))
    else:
        part = _export(module, name or module.class_name)
    nodes = OrderedDict()
    nodes["input"] = nir.Input(input_type=np.array([module.size_in]))
    nodes.update(part.nodes)
    nodes["output"] = nir.Output(output_type=np.array([module.size_out]))
    edges = [("input", part.entry)] + list(part.edges) + [(part.exit, "output")]
    return nir.NIRGraph(nodes=dict(nodes), edges=edges, metadata={"source": "rockpool"})


def write_nir(module_or_graph: Any, filename: Union[str, Path]) -> None:
    """Write a network (exported with :func:`to_nir`) or a ``nir.NIRGraph`` to a ``.nir`` file."""
    nir = _nir()
    graph = module_or_graph if isinstance(module_or_graph, nir.NIRGraph) else to_nir(module_or_graph)
    nir.write(str(filename), graph)


def read_nir(filename: Union[str, Path], backend: str = "jax", dt: float = 1e-3) -> Any:
    """Read a ``.nir`` file and build the network (see :func:`from_nir` for the arguments)."""
    nir = _nir()
    return from_nir(nir.read(str(filename)), backend=backend, dt=dt)


# ============================================================================ import
def _meta(node: Any) -> Dict[str, Any]:
    out = {}
    for k, v in (getattr(node, "metadata", None) or {}).items():
        if isinstance(v, bytes):
            v = v.decode("utf8")
        elif isinstance(v, np.ndarray) and v.dtype.kind in "SO" and v.ndim == 0:
            v = v.item()
            v = v.decode("utf8") if isinstance(v, bytes) else v
        out[k] = v
    return out


class _Classes:
    def __init__(self, backend: str):
        import rockpool.nn.modules as M

        if backend == "jax":
            self.Linear, self.LIF, self.ExpSyn, self.Rate = M.LinearJax, M.LIFJax, M.ExpSynJax, M.RateJax
        elif backend in ("native", "numpy"):
            self.Linear, self.LIF, self.ExpSyn, self.Rate = M.Linear, M.LIF, M.ExpSyn, M.Rate
        else:
            raise ValueError(f"from_nir: backend must be 'jax' or 'native', got {backend!r}.")
        from rockpool.nn.combinators import Residual, Sequential

        self.Sequential, self.Residual = Sequential, Residual


class _Scale:
    """A pending diagonal input gain, folded into the previous Linear where possible."""

    def __init__(self, gain: np.ndarray):
        self.gain = gain


def _is_one(g: np.ndarray) -> bool:
    return bool(np.all(g == 1.0))


def _unsupported(name: str, node: Any, why: str = "") -> ValueError:
    return ValueError(
        f"from_nir: node '{name}' is a nir.{type(node).__name__}, which rockpool cannot represent"
        f"{': ' + why if why else ''}. Supported nodes: Linear, Affine, Scale, CubaLIF, LI, and "
        f"NIRGraph subgraphs (Sequential / Residual structure)."
    )


def _import_node(name: str, node: Any, rec: Optional[Any], C: _Classes, dt_default: float) -> List[Any]:
    """Modules (and pending gains) for one NIR node; ``rec`` is its recurrent Linear, if any."""
    nir = _nir()
    meta = _meta(node)
    dt = float(meta.get("dt", dt_default))
    if isinstance(node, (nir.Linear, nir.Affine)):
        w = _f64(node.weight)
        if w.ndim != 2:
            raise _unsupported(name, node, f"weight has {w.ndim} dimensions, expected 2")
        bias = _f64(node.bias) if isinstance(node, nir.Affine) else None
        if bias is not None:
            return [C.Linear(w.T.shape, weight=w.T, bias=np.broadcast_to(bias, (w.shape[0],)).copy())]
        return [C.Linear(w.T.shape, weight=w.T)]
    if isinstance(node, nir.Scale):
        s = _f64(node.scale).reshape(-1)
        return [C.Linear((s.size, s.size), weight=np.diag(s))]
    if isinstance(node, nir.CubaLIF):
        tau_mem = _f64(node.tau_mem).reshape(-1)
        n = tau_mem.size
        tau_syn = np.broadcast_to(_f64(node.tau_syn).reshape(-1), (n,)).copy()
        if np.any(_f64(node.v_reset) != 0):
            raise _unsupported(name, node, "v_reset must be 0 (rockpool resets by subtracting the threshold)")
        k = tau_mem / dt
        gain = (np.broadcast_to(_f64(node.w_in).reshape(-1), (n,)) / tau_syn) * (
            np.broadcast_to(_f64(node.r).reshape(-1), (n,)) / k
        )
        kwargs = dict(
            tau_mem=tau_mem,
            tau_syn=tau_syn.reshape(n, 1),
            bias=np.broadcast_to(_f64(node.v_leak).reshape(-1), (n,)) / k,
            threshold=np.broadcast_to(_f64(node.v_threshold).reshape(-1), (n,)).copy(),
            dt=dt,
        )
        if meta.get("rockpool_class") == "LIF":  # our own export: restore what NIR cannot express
            for key in ("max_spikes_per_dt", "noise_std"):
                if key in meta:
                    kwargs[key] = float(np.asarray(meta[key]))
        if rec is not None:
            kwargs.update(has_rec=True, w_rec=_f64(rec.weight).T * gain[None, :])
        mod = C.LIF((n, n), **kwargs)
        return [mod] if _is_one(gain) else [_Scale(gain), mod]
    if isinstance(node, nir.LI):
        tau = _f64(node.tau).reshape(-1)
        n = tau.size
        r = np.broadcast_to(_f64(node.r).reshape(-1), (n,))
        v_leak = np.broadcast_to(_f64(node.v_leak).reshape(-1), (n,)).copy()
        if meta.get("rockpool_class") == "Rate":
            if np.any(r != 1):
                raise _unsupported(name, node, "a rockpool Rate node needs r = 1")
            kwargs = dict(
                tau=tau,
                bias=v_leak,
                threshold=np.broadcast_to(_f64(meta.get("threshold", 0.0)), (n,)).copy(),
                activation_func=str(meta.get("activation", "relu")),
                dt=dt,
            )
            if "noise_std" in meta:
                kwargs["noise_std"] = float(np.asarray(meta["noise_std"]))
            if rec is not None:
                kwargs.update(has_rec=True, w_rec=_f64(rec.weight).T)
            return [C.Rate((n,), **kwargs)]
        if rec is not None:
            raise _unsupported(name, node, "a leaky integrator with recurrent weights")
        if np.any(v_leak != 0):
            raise _unsupported(name, node, "v_leak must be 0 for a synapse (ExpSyn)")
        gain = r / tau
        mod = C.ExpSyn((n,), tau=tau, dt=dt)
        return [mod] if _is_one(gain) else [_Scale(gain), mod]
    if isinstance(node, nir.NIRGraph):
        return [_import_graph(node, C, dt_default, name)]
    raise _unsupported(name, node)


def _fold(items: List[Any], C: _Classes) -> List[Any]:
    """Fold pending gains into the preceding Linear, or make them diagonal Linear layers."""
    out: List[Any] = []
    for it in items:
        if isinstance(it, _Scale):
            prev = out[-1] if out else None
            if prev is not None and _is_linear(prev):
                w = np.asarray(prev.weight, dtype=np.float64) * it.gain[None, :]
                kw = {"weight": w}
                if "bias" in prev._registry:
                    kw["bias"] = np.asarray(prev.bias, dtype=np.float64) * it.gain
                out[-1] = type(prev)(w.shape, **kw)
            else:
                out.append(C.Linear((it.gain.size, it.gain.size), weight=np.diag(it.gain)))
        else:
            out.append(it)
    return out


def _is_linear(mod: Any) -> bool:
    return _class_in_mro(mod, "Linear", "LinearJax")


def _import_graph(graph: Any, C: _Classes, dt: float, where: str = "") -> Any:
    nir = _nir()
    nodes = dict(graph.nodes)
    edges = [(str(a), str(b)) for a, b in graph.edges]
    inputs = [k for k, v in nodes.items() if isinstance(v, nir.Input)]
    outputs = [k for k, v in nodes.items() if isinstance(v, nir.Output)]
    ctx = f" in subgraph '{where}'" if where else ""
    if len(inputs) != 1 or len(outputs) != 1:
        raise ValueError(
            f"from_nir: a graph{ctx} needs exactly one Input and one Output node (got inputs "
            f"{inputs}, outputs {outputs})."
        )
    inp, outp = inputs[0], outputs[0]
    succ: Dict[str, List[str]] = {k: [] for k in nodes}
    pred: Dict[str, List[str]] = {k: [] for k in nodes}
    for a, b in edges:
        if a not in nodes or b not in nodes:
            raise ValueError(f"from_nir: edge ({a!r}, {b!r}){ctx} names a node that does not exist.")
        succ[a].append(b)
        pred[b].append(a)

    # - Recurrent weights: a Linear node read from and written to one neuron node only
    rec_of: Dict[str, Any] = {}
    folded = set()
    for k, v in nodes.items():
        if isinstance(v, nir.Linear) and len(pred[k]) == 1 and succ[k] == pred[k]:
            owner = pred[k][0]
            if owner != k and isinstance(nodes[owner], (nir.CubaLIF, nir.LI)):
                rec_of[owner] = v
                folded.add(k)
    for k in folded:
        owner = pred[k][0]
        succ[owner] = [s for s in succ[owner] if s != k]
        pred[owner] = [p for p in pred[owner] if p != k]
        del succ[k], pred[k]

    # - Residual pattern: the input feeds the output directly as well as the chain
    skip = outp in succ[inp] and len(succ[inp]) == 2
    if skip:
        succ[inp] = [s for s in succ[inp] if s != outp]
        pred[outp] = [p for p in pred[outp] if p != inp]

    # - The rest must be a chain input -> ... -> output
    chain: List[str] = []
    cur = inp
    seen = {inp}
    while True:
        nxt = succ[cur]
        if len(nxt) != 1:
            raise ValueError(
                f"from_nir: node '{cur}'{ctx} has {len(nxt)} outgoing edges {nxt}; rockpool imports "
                f"chains (Sequential), residual blocks and recurrent loops, not general branching graphs."
            )
        cur = nxt[0]
        if len(pred[cur]) != 1:
            raise ValueError(
                f"from_nir: node '{cur}'{ctx} has {len(pred[cur])} incoming edges {pred[cur]}; "
                f"rockpool imports chains (Sequential), residual blocks and recurrent loops."
            )
        if cur == outp:
            break
        if cur in seen:
            raise ValueError(f"from_nir: the graph{ctx} has a cycle through node '{cur}'.")
        seen.add(cur)
        chain.append(cur)
    unused = set(succ) - seen - {outp}
    if unused:
        raise ValueError(f"from_nir: nodes {sorted(unused)}{ctx} are not on the path from input to output.")
    if not chain:
        raise ValueError(f"from_nir: the graph{ctx} has no computational nodes.")

    items: List[Any] = []
    for k in chain:
        items.extend(_import_node(k, nodes[k], rec_of.get(k), C, dt))
    mods = _fold(items, C)
    names = [k.replace(".", "_") for k in chain]
    if len(mods) == len(chain):
        named = OrderedDict(zip(_unique(names), mods, strict=True))
    else:
        named = OrderedDict((f"{i}_{type(m).__name__}", m) for i, m in enumerate(mods))
    if skip:
        return C.Residual(named)
    if len(mods) == 1 and not where:
        return mods[0]
    return C.Sequential(named)


def _unique(names: List[str]) -> List[str]:
    out, seen = [], set()
    for n in names:
        m, i = n, 1
        while m in seen:
            m = f"{n}_{i}"
            i += 1
        seen.add(m)
        out.append(m)
    return out


def from_nir(graph: Any, backend: str = "jax", dt: float = 1e-3) -> Any:
    """Build a rockpool network from a :class:`nir.NIRGraph` (or a path to a ``.nir`` file).

    Args:
        graph: The graph, or a filename.
        backend: ``"jax"`` (default: LinearJax, LIFJax, ExpSynJax, RateJax) or ``"native"``
            (NumPy: Linear, LIF, ExpSyn, Rate).
        dt: Time step in seconds for neuron nodes whose metadata does not give one.

    Returns:
        A single module (one-node graph) or a ``Sequential`` / ``Residual`` network.

    Raises:
        ValueError: Naming the NIR node (or graph structure) that rockpool cannot represent.
    """
    nir = _nir()
    if isinstance(graph, (str, Path)):
        graph = nir.read(str(graph))
    if not isinstance(graph, nir.NIRGraph):
        raise TypeError(f"from_nir: expected a nir.NIRGraph or a filename, got {type(graph).__name__}.")
    return _import_graph(graph, _Classes(backend), float(dt))
