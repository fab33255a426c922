"""Computational graphs of rockpool networks, and NIR import/export.

``module.as_graph()`` returns a simulator-independent description of a network (see
:mod:`rockpool.graph.graph_base` for the data model: :class:`GraphNode` wires connect
:class:`GraphModule` computations; a :class:`GraphHolder` names a subgraph's entry and exit
nodes; graphs may have cycles). :func:`to_nir` / :func:`from_nir` convert networks to and from the
Neural Intermediate Representation (``pip install 'rockpool[nir]'``); :func:`write_nir` /
:func:`read_nir` save and load ``.nir`` files (see :mod:`rockpool.graph.nir` for the mapping).

Example:
    >>> from rockpool.nn.modules import LinearJax
    >>> g = LinearJax((2, 3)).as_graph()
    >>> len(g.input_nodes), len(g.output_nodes)
    (2, 3)
"""

from rockpool.graph.graph_base import (
    GraphHolder,
    GraphModule,
    GraphModuleBase,
    GraphNode,
    SetList,
    as_GraphHolder,
)
from rockpool.graph.graph_modules import (
    AliasConnection,
    ExpSynapsesRealValue,
    GenericNeurons,
    InstantNeurons,
    LIFNeuronWithSynsRealValue,
    LinearWeights,
    RateNeuronWithSynsRealValue,
)
from rockpool.graph.utils import (
    bag_graph,
    connect_modules,
    find_modules_of_subclass,
    find_recurrent_modules,
    replace_module,
)
from rockpool.graph.convert import register_graph_converter, module_to_graph
from rockpool.graph.nir import NIRImportError, from_nir, read_nir, to_nir, write_nir

__all__ = [
    "GraphNode",
    "GraphModuleBase",
    "GraphModule",
    "GraphHolder",
    "as_GraphHolder",
    "SetList",
    "LinearWeights",
    "GenericNeurons",
    "AliasConnection",
    "LIFNeuronWithSynsRealValue",
    "RateNeuronWithSynsRealValue",
    "ExpSynapsesRealValue",
    "InstantNeurons",
    "connect_modules",
    "bag_graph",
    "find_modules_of_subclass",
    "find_recurrent_modules",
    "replace_module",
    "register_graph_converter",
    "module_to_graph",
    "to_nir",
    "from_nir",
    "read_nir",
    "write_nir",
    "NIRImportError",
]
