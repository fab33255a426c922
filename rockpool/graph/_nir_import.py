"""NIR graph -> rockpool network (the import half of :mod:`rockpool.graph.nir`)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from rockpool.graph._nir_nodes import CONVENTIONS, Gain, NIRImportError, import_neuron, param

__all__ = ["import_graph", "Classes", "meta_of"]


def _f64(x: Any) -> np.ndarray:
    return np.array(x, dtype=np.float64)


def meta_of(node: Any) -> Dict[str, Any]:
    """A node's metadata with bytes / 0-d string arrays decoded."""
    out = {}
    for k, v in (getattr(node, "metadata", None) or {}).items():
        if isinstance(v, bytes):
            v = v.decode("utf8")
        elif isinstance(v, np.ndarray) and v.dtype.kind in "SO" and v.ndim == 0:
            v = v.item()
            v = v.decode("utf8") if isinstance(v, bytes) else v
        out[k] = v
    return out


class Classes:
    """The module classes of one backend."""

    def __init__(self, backend: str):
        import rockpool.nn.modules as M
        from rockpool.nn.combinators import Residual, Sequential

        if backend == "jax":
            self.Linear, self.LIF, self.ExpSyn, self.Rate, self.Instant = (
                M.LinearJax,
                M.LIFJax,
                M.ExpSynJax,
                M.RateJax,
                M.InstantJax,
            )
        elif backend in ("native", "numpy"):
            self.Linear, self.LIF, self.ExpSyn, self.Rate, self.Instant = (
                M.Linear,
                M.LIF,
                M.ExpSyn,
                M.Rate,
                M.Instant,
            )
        else:
            raise ValueError(f"from_nir: backend must be 'jax' or 'native', got {backend!r}.")
        self.Sequential, self.Residual = Sequential, Residual


class Ctx:
    """Import settings and the place (file, subgraph) used in messages."""

    def __init__(self, C: Classes, dt: Optional[float], convention: str, source: str):
        if convention not in CONVENTIONS:
            raise ValueError(
                f"from_nir: convention must be one of {sorted(CONVENTIONS)}, got {convention!r}."
            )
        self.C, self.convention, self.source = C, convention, source
        self.dt = float(dt) if dt is not None else None

    def where(self, node: str) -> str:
        return f"from_nir: {self.source}node '{node}'"

    def dt_for(self, meta: Dict[str, Any]) -> float:
        if "dt" in meta:
            return float(np.asarray(meta["dt"]))
        return self.dt if self.dt is not None else CONVENTIONS[self.convention]


_NEURONS = ("CubaLIF", "LIF", "IF", "LI", "I", "Threshold")
_WEIGHTS = ("Linear", "Affine")


def _kind(node: Any) -> str:
    return type(node).__name__


# ---------------------------------------------------------------------------------------------- sizes
def _sizes(name: str, node: Any, ctx: Ctx) -> Tuple[Optional[int], Optional[int]]:
    """(size_in, size_out) of a node, ``None`` where it does not say."""
    import nir

    if isinstance(node, (nir.Linear, nir.Affine)):
        w = _f64(node.weight)
        if w.ndim != 2:
            raise NIRImportError(
                f"{ctx.where(name)}: nir.{_kind(node)} weight has shape {w.shape}; expected (N_out, N_in)."
            )
        return w.shape[1], w.shape[0]
    keys = {
        "CubaLIF": "tau_mem",
        "LIF": "tau",
        "IF": "v_threshold",
        "LI": "tau",
        "I": "r",
        "Threshold": "threshold",
        "Scale": "scale",
    }
    key = keys.get(_kind(node))
    if key is not None:
        n = int(_f64(getattr(node, key)).size)
        return n, n
    return None, None


def _check_chain(nodes: Dict[str, Any], edges: List[Tuple[str, str]], ctx: Ctx) -> None:
    """Every edge must join a node's output size to the next node's input size."""
    sizes = {k: _sizes(k, v, ctx) for k, v in nodes.items()}
    for a, b in edges:
        out_a, in_b = sizes[a][1], sizes[b][0]
        if out_a is not None and in_b is not None and out_a != in_b:
            raise NIRImportError(
                f"from_nir: {ctx.source}edge '{a}' -> '{b}': '{a}' (nir.{_kind(nodes[a])}) has {out_a} "
                f"outputs but '{b}' (nir.{_kind(nodes[b])}) has {in_b} inputs. The shapes do not chain; "
                f"the file is inconsistent (re-export it)."
            )


# ---------------------------------------------------------------------------------------------- graph
def _inline_subgraphs(graph: Any, ctx: Ctx) -> Tuple[Dict[str, Any], List[Tuple[str, str]]]:
    """Flatten nested graphs that are not residual blocks (e.g. Spyx's recurrent layers)."""
    import nir

    nodes = dict(graph.nodes)
    edges = [(str(a), str(b)) for a, b in graph.edges]
    for name in list(nodes):
        sub = nodes[name]
        if not isinstance(sub, nir.NIRGraph) or _is_residual(sub):
            continue
        ins = [k for k, v in sub.nodes.items() if isinstance(v, nir.Input)]
        outs = [k for k, v in sub.nodes.items() if isinstance(v, nir.Output)]
        if len(ins) != 1 or len(outs) != 1:
            raise NIRImportError(
                f"{ctx.where(name)}: a subgraph needs one Input and one Output node (got {ins}, {outs})."
            )
        inner_nodes, inner_edges = _inline_subgraphs(sub, ctx)
        pre = f"{name}."
        ren = {k: (k if k.startswith(pre) else pre + k) for k in inner_nodes}
        del nodes[name]
        for k, v in inner_nodes.items():
            if k not in (ins[0], outs[0]):
                nodes[ren[k]] = v
        firsts = [ren[b] for a, b in inner_edges if a == ins[0]]
        lasts = [ren[a] for a, b in inner_edges if b == outs[0]]
        new = [
            (ren[a], ren[b]) for a, b in inner_edges if a not in (ins[0],) and b not in (outs[0],)
        ]
        for a, b in edges:
            if b == name:
                new += [(a, f) for f in firsts]
            elif a == name:
                new += [(last, b) for last in lasts]
            else:
                new.append((a, b))
        edges = new
    return nodes, edges


def _is_residual(g: Any) -> bool:
    import nir

    ins = [k for k, v in g.nodes.items() if isinstance(v, nir.Input)]
    outs = [k for k, v in g.nodes.items() if isinstance(v, nir.Output)]
    return (
        len(ins) == 1
        and len(outs) == 1
        and (ins[0], outs[0]) in [(str(a), str(b)) for a, b in g.edges]
    )


def _find_recurrence(nodes, succ, pred, ctx: Ctx) -> Dict[str, Any]:
    """Recurrent weights: a Linear / Affine (zero bias) node whose only successor is a neuron node
    that also feeds it. Returns ``{neuron: weight node}`` and rewires the graph in place."""
    import nir

    rec_of: Dict[str, Any] = {}
    for k in list(nodes):
        v = nodes[k]
        if _kind(v) not in _WEIGHTS or len(succ[k]) != 1:
            continue
        owner = succ[k][0]
        if owner == k or owner not in pred[k] or _kind(nodes[owner]) not in _NEURONS:
            continue
        if isinstance(v, nir.Affine) and np.any(_f64(v.bias) != 0):
            raise NIRImportError(
                f"{ctx.where(k)}: recurrent weights of '{owner}' are a nir.Affine with a non-zero bias, "
                f"which would add a constant to the synaptic input every step; rockpool cannot "
                f"represent that. Write the recurrent weights with a zero bias (or as nir.Linear)."
            )
        rec_of[owner] = v
        others = [p for p in pred[k] if p != owner]
        succ[owner] = [s for s in succ[owner] if s != k]
        pred[owner] = [p for p in pred[owner] if p != k]
        for p in others:  # the input enters through the recurrent weights (Spyx's subgraphs)
            succ[p] = [s for s in succ[p] if s != k]
            if ctx.convention == "spyx":  # Spyx feeds its input straight into the neuron
                succ[p].append(owner)
                pred[owner].append(p)
            else:  # NIR: the input passes through the same weights
                copy = f"{k}.input"
                nodes[copy] = nir.Linear(weight=_f64(v.weight))
                succ[p].append(copy)
                pred[copy], succ[copy] = [p], [owner]
                pred[owner].append(copy)
        del succ[k], pred[k], nodes[k]
    return rec_of


def import_graph(graph: Any, ctx: Ctx, where: str = "") -> Any:
    """Build the rockpool network of one (sub)graph."""
    import nir

    nodes, edges = _inline_subgraphs(graph, ctx)
    inputs = [k for k, v in nodes.items() if isinstance(v, nir.Input)]
    outputs = [k for k, v in nodes.items() if isinstance(v, nir.Output)]
    sub = f" in subgraph '{where}'" if where else ""
    if len(inputs) != 1 or len(outputs) != 1:
        raise NIRImportError(
            f"from_nir: {ctx.source}a graph{sub} needs exactly one Input and one Output node (got inputs "
            f"{inputs}, outputs {outputs}). rockpool imports single-input, single-output networks."
        )
    inp, outp = inputs[0], outputs[0]
    succ: Dict[str, List[str]] = {k: [] for k in nodes}
    pred: Dict[str, List[str]] = {k: [] for k in nodes}
    for a, b in edges:
        if a not in nodes or b not in nodes:
            raise NIRImportError(
                f"from_nir: {ctx.source}edge ({a!r}, {b!r}){sub} names a node that does not exist."
            )
        succ[a].append(b)
        pred[b].append(a)
    _check_chain(nodes, edges, ctx)
    rec_of = _find_recurrence(nodes, succ, pred, ctx)

    skip = outp in succ[inp] and len(succ[inp]) == 2  # residual: the input also feeds the output
    if skip:
        succ[inp] = [s for s in succ[inp] if s != outp]
        pred[outp] = [p for p in pred[outp] if p != inp]

    chain: List[str] = []
    cur, seen = inp, {inp}
    while True:
        nxt = succ[cur]
        if len(nxt) != 1:
            raise NIRImportError(
                f"{ctx.where(cur)}{sub} has {len(nxt)} outgoing edges {nxt}; rockpool imports chains "
                f"(Sequential), residual blocks and recurrent loops (a Linear / Affine node between a "
                f"neuron node's output and its input), not general branching graphs."
            )
        cur = nxt[0]
        if len(pred[cur]) != 1:
            raise NIRImportError(
                f"{ctx.where(cur)}{sub} has {len(pred[cur])} incoming edges {pred[cur]}; rockpool imports "
                f"chains, residual blocks and recurrent loops (recurrent weights written as nir.Linear or "
                f"as nir.Affine with a zero bias, feeding only the neuron node they read from)."
            )
        if cur == outp:
            break
        if cur in seen:
            raise NIRImportError(
                f"from_nir: {ctx.source}the graph{sub} has a cycle through node '{cur}'."
            )
        seen.add(cur)
        chain.append(cur)
    unused = set(succ) - seen - {outp}
    if unused:
        raise NIRImportError(
            f"from_nir: {ctx.source}nodes {sorted(unused)}{sub} are not on the path from input to output."
        )
    if not chain:
        raise NIRImportError(f"from_nir: {ctx.source}the graph{sub} has no computational nodes.")

    items: List[Any] = []
    for k in chain:
        items.extend(_import_node(k, nodes[k], rec_of.get(k), ctx))
    mods = _fold(items, ctx.C)
    names = [k.replace(".", "_") for k in chain]
    if len(mods) == len(chain):
        named = OrderedDict(zip(_unique(names), mods, strict=True))
    else:
        named = OrderedDict((f"{i}_{type(m).__name__}", m) for i, m in enumerate(mods))
    if skip:
        return ctx.C.Residual(named)
    if len(mods) == 1 and not where:
        return mods[0]
    return ctx.C.Sequential(named)


# ---------------------------------------------------------------------------------------------- nodes
def _import_node(name: str, node: Any, rec: Optional[Any], ctx: Ctx) -> List[Any]:
    import nir

    from rockpool.graph._nir_export import rockpool_module_from_meta

    C, where, meta = ctx.C, ctx.where(name), meta_of(node)
    if isinstance(node, (nir.Linear, nir.Affine)):
        w = _f64(node.weight)
        _finite(where, "weight", w)
        if isinstance(node, nir.Affine):
            b = param(where, node, "bias", w.shape[0])
            return [C.Linear(w.T.shape, weight=w.T, bias=b)]
        return [C.Linear(w.T.shape, weight=w.T)]
    if isinstance(node, nir.Scale):
        s = _f64(node.scale).reshape(-1)
        _finite(where, "scale", s)
        return [C.Linear((s.size, s.size), weight=np.diag(s))]
    if isinstance(node, nir.NIRGraph):
        return [import_graph(node, ctx, name)]
    rec_w = None if rec is None else _f64(rec.weight).T
    if rec_w is not None:
        _finite(where, "recurrent weight", rec_w)
    if "rockpool_class" in meta:  # our own export: rebuild exactly
        mod = rockpool_module_from_meta(where, node, meta, rec_w, C)
        if mod is not None:
            return [mod]
    if _kind(node) in _NEURONS:
        held_scale = 1.0
        if str(meta.get("input_convention", "held")) == "dirac":
            held_scale = 1.0 / ctx.dt_for(meta)
        return import_neuron(where, node, rec_w, C, ctx.dt_for(meta), ctx.convention, held_scale)
    raise NIRImportError(
        f"{where} is a nir.{_kind(node)}, which rockpool cannot represent. Supported nodes: Linear, "
        f"Affine, Scale, CubaLIF, LIF, IF, LI, I (Integrator), Threshold, and NIRGraph subgraphs "
        f"(chains, residual blocks, recurrent layers). Replace the node in the source network."
    )


def _finite(where: str, what: str, arr: np.ndarray) -> None:
    if not np.all(np.isfinite(arr)):
        raise NIRImportError(
            f"{where}: {what} contains NaN or infinite values. Export the network again after fixing them."
        )


def _is_linear(mod: Any) -> bool:
    return any(k.__name__ in ("Linear", "LinearJax") for k in type(mod).__mro__)


def _fold(items: List[Any], C: Classes) -> List[Any]:
    """Fold pending gains into the preceding Linear, or make them diagonal Linear layers."""
    out: List[Any] = []
    for it in items:
        if isinstance(it, Gain):
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
