r"""Import and export networks in the Neuromorphic Intermediate Representation (NIR).

Needs the optional package ``nir`` (``pip install 'rockpool[nir]'``).

* :func:`to_nir` turns a rockpool network into a :class:`nir.NIRGraph`; :func:`write_nir` writes
  it to a ``.nir`` (HDF5) file.
* :func:`from_nir` builds a network from a graph or a file (JAX modules by default,
  ``backend="native"`` for NumPy modules); :func:`read_nir` reads a file.

Structure
---------
``Sequential`` (and ``FFwdStack``) networks become chains of NIR nodes named ``"<submodule>"``
(nested networks: ``"<outer>.<inner>"``) between ``input`` and ``output`` nodes; a ``Residual``
block becomes a nested graph whose ``input`` node also feeds its ``output`` node; recurrent weights
``w_rec`` become a ``nir.Linear`` node ``"<layer>.w_rec"`` with edges ``layer -> layer.w_rec ->
layer``. On import, recurrence written with ``nir.Linear`` or with ``nir.Affine`` with a zero bias
(snnTorch) is recognised, also inside nested recurrent subgraphs (Spyx).

Semantics of NIR neuron nodes
-----------------------------
NIR nodes are ODEs in continuous time, e.g. ``CubaLIF``: :math:`\tau_{syn}\dot I = -I + w_{in}
S(t)`, :math:`\tau_{mem}\dot V = (v_{leak} - V) + r I`, a spike when :math:`V > v_{threshold}`,
then :math:`V \leftarrow v_{reset}`. Simulators step them with a time step ``dt``. The
conventions (measured with snnTorch 1.0, Norse 1.1 and Spyx 1.0):

* **Spike amplitude.** *Held* (default): an input value ``x`` in one step is held for the whole
  step (so ``w_in = tau_syn / dt`` makes one spike raise ``I`` by one); what snnTorch and Norse's
  importer assume. *Dirac* (``to_nir(..., input_convention="dirac")``): a spike is a pulse of area
  one (``w_in = tau_syn`` for the same effect); all input gains (``w_in``, and ``r`` of nodes
  without synapse) are ``dt`` times the held ones. Our exports record it in the node metadata.
* **Discretisation.** All three peers use forward Euler (decay ``1 - dt/tau``; the input added
  after the decay); imported neurons do the same (``LIF(integration="euler")``). Our default
  ``LIF`` uses ``exp(-dt/tau)``; its export writes the time constant whose Euler step is that
  decay, ``tau' = dt / (1 - exp(-dt/tau))``, so the peers reproduce our steps.
* **Reset.** ``v_reset`` is honoured (``LIF(reset_mode="to_value")``); at most one spike per step
  (``max_spikes_per_dt=1``). Our subtractive reset is written with ``v_reset = 0`` and
  ``metadata["reset_mode"] = "subtract"`` (NIR cannot say "subtract").
* **Threshold test.** The peers spike when ``V > threshold``, we when ``V >= threshold``: outputs
  differ only if ``V`` lands exactly on the threshold.
* **dt.** NIR files do not carry ``dt``. Ours record it in each neuron node's metadata (which wins
  on import); otherwise ``from_nir(dt=...)``, or the convention's default.

``from_nir(..., convention=...)`` runs a file the way the peer that wrote it runs it:

=============  ======  ==========================================================================
convention     dt      how the file's parameters are read
=============  ======  ==========================================================================
``"nir"``      1e-3    NIR's meaning, held spikes, forward Euler (= snnTorch's and Norse's importers)
``"snntorch"`` 1e-4    as ``"nir"`` (snnTorch writes ``w_in = tau_syn/dt``, ``r = tau_mem/dt``
                       with ``dt = 1e-4`` hard-coded, on export and on import)
``"norse"``    1e-3    Norse's ``LIFCell``: the input jumps the synaptic current by ``w_in * x``
                       (not held); the rest as ``"nir"`` (forward Euler, reset to ``v_reset``,
                       same step). ``LI`` (``LIBoxCell``) as ``"nir"``.
``"spyx"``     1.0     Spyx ignores ``w_in``, ``r``, ``v_leak`` and ``v_reset``: ``I = alpha I +
                       x``, ``V = beta V + I``, subtractive reset, ``LI``: ``V = beta V + x``;
                       Spyx emits each spike one step after the crossing (one step per layer);
                       its recurrent subgraphs feed the input straight to the neuron.
=============  ======  ==========================================================================

Node mapping: ``CubaLIF`` -> ``LIF`` (euler, one spike per step, reset to ``v_reset``), ``LIF`` /
``IF`` -> ``LIF`` with ``tau_syn = dt`` (no synapse) / also ``tau_mem = inf``, ``LI`` -> ``Rate``
with an identity activation (:func:`~rockpool.graph._nir_nodes.li_identity`), ``I`` -> ``ExpSyn``
with ``tau = inf``, ``Threshold`` -> ``Instant`` (Heaviside), ``Linear`` / ``Affine`` / ``Scale``
-> ``Linear``. Input gains (``w_in``, ``r``, ``dt/tau``) are folded into the preceding weights.
Our own exports carry the exact module parameters in their metadata, so a round trip rebuilds the
same network with identical outputs.

Errors: every problem with a file or graph (missing, not HDF5, truncated, not a NIR graph, shapes
that do not chain, unsupported nodes, NaN or wrongly shaped parameters) raises
:class:`NIRImportError` (a ``ValueError``) naming the file, the node and what to do.

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
from typing import Any, Optional, Union

import numpy as np

from rockpool.graph._nir_export import INPUT_CONVENTIONS, class_in_mro, export_chain, export_module
from rockpool.graph._nir_export import for_snntorch as for_snntorch_
from rockpool.graph._nir_import import Classes, Ctx, import_graph
from rockpool.graph._nir_nodes import CONVENTIONS, Heaviside, NIRImportError, li_identity

__all__ = [
    "to_nir",
    "from_nir",
    "write_nir",
    "read_nir",
    "NIRImportError",
    "CONVENTIONS",
    "Heaviside",
    "li_identity",
]


def _nir():
    from rockpool._optional import require

    return require("nir", "nir")


def to_nir(
    module: Any, name: str = "", input_convention: str = "held", for_snntorch: bool = False
) -> Any:
    """Export a rockpool network as a :class:`nir.NIRGraph`.

    Args:
        module: A supported module or network (see the module docstring for the mapping).
        name: Name for a single-module export (default: the module's class name).
        input_convention: ``"held"`` (default; what snnTorch, Norse and Spyx read) or
            ``"dirac"`` (a spike is a pulse of area one; input gains scaled by ``dt``).
        for_snntorch: Write the file in snnTorch's time base (``dt = 1e-4``, time constants
            rescaled, ``exp(-dt/tau_syn)`` folded into the weights) so that snnTorch 1.0 reads
            any ``LIF`` network, whatever its ``dt`` (see
            :func:`~rockpool.graph._nir_export.for_snntorch`). snnTorch resets to ``v_reset`` and
            emits one spike per step: ``LIF(reset_mode="to_value", max_spikes_per_dt=1)`` layers
            then run identically there. Read such a file back with ``convention="snntorch"``.

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
    if input_convention not in INPUT_CONVENTIONS:
        raise ValueError(
            f"to_nir: input_convention must be one of {list(INPUT_CONVENTIONS)}, got {input_convention!r}."
        )
    if class_in_mro(module, "TimedModuleWrapper"):
        module = module.module
    if class_in_mro(module, "SequentialMixin") and not class_in_mro(module, "ResidualMixin"):
        part = export_chain(module, "", class_in_mro(module, "FFwdStackMixin"), input_convention)
    else:
        part = export_module(module, name or module.class_name, input_convention)
    nodes = OrderedDict()
    nodes["input"] = nir.Input(input_type=np.array([module.size_in]))
    nodes.update(part.nodes)
    nodes["output"] = nir.Output(output_type=np.array([module.size_out]))
    edges = [("input", part.entry)] + list(part.edges) + [(part.exit, "output")]
    graph = nir.NIRGraph(nodes=dict(nodes), edges=edges, metadata={"source": "rockpool"})
    if for_snntorch:
        if input_convention != "held":
            raise ValueError(
                "to_nir: for_snntorch=True needs input_convention='held' (snnTorch's)."
            )
        for_snntorch_(graph)
    return graph


def write_nir(
    module_or_graph: Any,
    filename: Union[str, Path],
    input_convention: str = "held",
    for_snntorch: bool = False,
) -> None:
    """Write a network (exported with :func:`to_nir`) or a ``nir.NIRGraph`` to a ``.nir`` file.

    Example:
        >>> import tempfile, os
        >>> from rockpool.nn.modules import LIF
        >>> path = os.path.join(tempfile.mkdtemp(), "lif.nir")
        >>> write_nir(LIF(3), path)
        >>> type(read_nir(path, backend="native")).__name__
        'LIF'
    """
    nir = _nir()
    if isinstance(module_or_graph, nir.NIRGraph):
        graph = module_or_graph
    else:
        graph = to_nir(
            module_or_graph, input_convention=input_convention, for_snntorch=for_snntorch
        )
    nir.write(str(filename), graph)


def _read_graph(filename: Union[str, Path]) -> Any:
    """``nir.read`` with every file problem turned into one :class:`NIRImportError`."""
    nir = _nir()
    import h5py

    path = Path(filename)
    if not path.exists():
        raise NIRImportError(f"read_nir: file '{path}' does not exist. Check the path.")
    if path.is_dir():
        raise NIRImportError(f"read_nir: '{path}' is a directory, not a .nir file.")
    try:
        with h5py.File(str(path), "r") as f:
            keys = set(f.keys())
    except OSError as e:
        with open(path, "rb") as fh:
            signed = fh.read(8) == b"\x89HDF\r\n\x1a\n"  # the HDF5 signature
        what = "truncated or corrupt" if signed else "not an HDF5 file"
        raise NIRImportError(
            f"read_nir: file '{path}' is {what} ({e}); a .nir file is HDF5 written by nir.write. "
            f"Write it again (rockpool.graph.write_nir or nir.write)."
        ) from None
    if "node" not in keys:
        raise NIRImportError(
            f"read_nir: file '{path}' is an HDF5 file but not a NIR graph (no 'node' group; groups: "
            f"{sorted(keys)}). Write it with nir.write or rockpool.graph.write_nir."
        )
    try:
        # - no type check here: shapes are checked on import, with messages naming the nodes
        graph = nir.read(str(path), type_check=False)
    except Exception as e:  # noqa: BLE001 - nir raises many kinds; all mean "not a valid graph"
        raise NIRImportError(
            f"read_nir: file '{path}' is not a valid NIR graph{_bad_node(path)}: {type(e).__name__}: {e}. "
            f"It may be truncated or written by an incompatible tool; write it again with nir.write."
        ) from None
    if not isinstance(graph, nir.NIRGraph):
        raise NIRImportError(
            f"read_nir: file '{path}' holds a single nir.{type(graph).__name__}, not a NIRGraph."
        )
    return graph


def _bad_node(path: Path) -> str:
    """``", node 'name' (nir.Kind)"`` for the first node nir cannot build, or ``""``."""
    import h5py
    import nir
    from nir.serialization import hdf2dict

    try:
        with h5py.File(str(path), "r") as f:
            nodes = hdf2dict(f["node"]).get("nodes", {})
    except Exception:  # noqa: BLE001 - nothing more to say than the caller's message
        return ""
    for name, d in nodes.items():
        try:
            nir.dict2NIRNode(dict(d, type_check=False) if d.get("type") == "NIRGraph" else d)
        except Exception:  # noqa: BLE001
            return f" (node '{name}', nir.{d.get('type', '?')}: its parameters do not fit together)"
    return ""


def read_nir(
    filename: Union[str, Path],
    backend: str = "jax",
    dt: Optional[float] = None,
    convention: str = "nir",
) -> Any:
    """Read a ``.nir`` file and build the network (see :func:`from_nir` for the arguments).

    Raises:
        NIRImportError: If the file is missing, not HDF5, truncated, not a NIR graph, or holds a
            graph rockpool cannot represent; the message names the file and node.
    """
    return from_nir(filename, backend=backend, dt=dt, convention=convention)


def from_nir(
    graph: Any, backend: str = "jax", dt: Optional[float] = None, convention: str = "nir"
) -> Any:
    """Build a rockpool network from a :class:`nir.NIRGraph` (or a path to a ``.nir`` file).

    Args:
        graph: The graph, or a filename.
        backend: ``"jax"`` (default: LinearJax, LIFJax, ...) or ``"native"`` (NumPy modules).
        dt: Time step in seconds for neuron nodes whose metadata does not give one (default: the
            convention's, see :data:`CONVENTIONS`).
        convention: How the file's neuron parameters are meant: ``"nir"`` (default),
            ``"snntorch"``, ``"norse"`` or ``"spyx"`` (see the module docstring). Ignored for
            nodes exported by rockpool, which are rebuilt exactly.

    Returns:
        A single module (one-node graph) or a ``Sequential`` / ``Residual`` network.

    Raises:
        NIRImportError: Naming the file, the node and what rockpool cannot represent.

    Example:
        >>> import nir, numpy as np
        >>> g = nir.NIRGraph.from_list(nir.Linear(weight=np.ones((2, 3))),
        ...     nir.CubaLIF(tau_syn=np.full(2, 5e-3), tau_mem=np.full(2, 1e-2), r=np.full(2, 10.0),
        ...                 v_leak=np.zeros(2), v_threshold=np.ones(2), w_in=np.full(2, 5.0)))
        >>> net = from_nir(g)
        >>> [type(m).__name__ for m in net.modules().values()]
        ['LinearJax', 'LIFJax']
    """
    nir = _nir()
    source = ""
    if isinstance(graph, (str, Path)):
        source = f"file '{graph}', "
        graph = _read_graph(graph)
    if not isinstance(graph, nir.NIRGraph):
        raise TypeError(
            f"from_nir: expected a nir.NIRGraph or a filename, got {type(graph).__name__}."
        )
    return import_graph(graph, Ctx(Classes(backend), dt, convention, source))
