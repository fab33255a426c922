"""Concrete graph modules: weights, neurons, synapses, aliases.

Each class records the parameters needed to rebuild the computation, with the same units and
conventions as the rockpool module it comes from (time constants in seconds, discrete-time
updates with step ``dt``). Shapes: ``N_in = len(input_nodes)``, ``N_out = len(output_nodes)``.

Example:
    >>> import numpy as np
    >>> from rockpool.graph import LinearWeights
    >>> w = LinearWeights._factory(2, 3, "w", None, np.ones((2, 3)))
    >>> w.weights.shape
    (2, 3)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

from rockpool.graph.graph_base import GraphModule

__all__ = [
    "LinearWeights",
    "GenericNeurons",
    "AliasConnection",
    "LIFNeuronWithSynsRealValue",
    "RateNeuronWithSynsRealValue",
    "ExpSynapsesRealValue",
    "InstantNeurons",
]


def _np(x: Any) -> Optional[np.ndarray]:
    return None if x is None else np.array(x, dtype=float)


@dataclass(eq=False, repr=False)
class LinearWeights(GraphModule):
    """A weight matrix: ``output = input @ weights (+ biases)``.

    Attributes:
        weights: ``(N_in, N_out)``.
        biases: ``(N_out,)`` or ``None``.
    """

    weights: Any
    biases: Any = None

    def __post_init__(self):
        super().__post_init__()
        self.weights = _np(self.weights)
        self.biases = _np(self.biases)
        want = (self.size_in, self.size_out)
        if self.weights.shape != want:
            raise ValueError(
                f'LinearWeights "{self.name}": weights have shape {self.weights.shape}, expected '
                f"{want} (input nodes, output nodes)."
            )
        if self.biases is not None and self.biases.shape != (self.size_out,):
            raise ValueError(
                f'LinearWeights "{self.name}": biases have shape {self.biases.shape}, expected '
                f"({self.size_out},)."
            )


@dataclass(eq=False, repr=False)
class GenericNeurons(GraphModule):
    """Base class of neuron (and synapse) populations: any numbers of input and output nodes.

    By convention a population of ``N_out`` neurons with ``n_syn`` synapses each has
    ``N_in = N_out * n_syn`` input nodes, but nothing is enforced (hardware mappers decide what
    they accept).
    """


@dataclass(eq=False, repr=False)
class AliasConnection(GraphModule):
    """Identity connection: output node ``i`` carries the signal of input node ``i``.

    Used where a network passes a signal on unchanged (a residual skip path).
    """

    def __post_init__(self):
        super().__post_init__()
        if self.size_in != self.size_out:
            raise ValueError(
                f'AliasConnection "{self.name}": needs as many inputs as outputs '
                f"(got {self.size_in} and {self.size_out})."
            )


@dataclass(eq=False, repr=False)
class LIFNeuronWithSynsRealValue(GenericNeurons):
    """Leaky integrate-and-fire neurons with exponential synapses (rockpool ``LIF`` dynamics).

    Per step of ``dt`` seconds: ``I_syn += S_in``; ``I_syn *= exp(-dt / tau_syn)``;
    ``V *= exp(-dt / tau_mem)``; ``V += sum_syn I_syn + bias``; ``S = floor(V / threshold)`` if
    ``V >= threshold``; ``V -= S * threshold``. Recurrent weights, if any, are a separate
    :class:`LinearWeights` from ``output_nodes`` to ``input_nodes``.

    The fields are stored as given (lists, scalars or arrays) and not validated, like the node
    counts. Conventionally ``input_nodes`` are neurons x synapses per neuron (``LIFJax((4, 2))``
    has 4 inputs and 2 outputs), ``tau_mem``, ``threshold`` and ``bias`` are ``(N_out,)`` and
    ``tau_syn`` is ``(N_out, n_syn)``; ``module.as_graph()`` fills them that way.

    Attributes:
        tau_mem: Membrane time constants (seconds).
        tau_syn: Synaptic time constants (seconds).
        threshold: Firing thresholds.
        bias: Bias inputs.
        dt: Time step (seconds), or ``None``.
    """

    tau_mem: Any = field(default_factory=list)
    tau_syn: Any = field(default_factory=list)
    threshold: Any = field(default_factory=list)
    bias: Any = field(default_factory=list)
    dt: Optional[float] = None


@dataclass(eq=False, repr=False)
class RateNeuronWithSynsRealValue(GenericNeurons):
    """Rate neurons (rockpool ``Rate`` dynamics, forward Euler).

    ``x += dt / tau * (-x + i + bias)``; output ``activation(x, threshold)``.

    The fields are stored as given and not validated (see :class:`LIFNeuronWithSynsRealValue`).
    ``tau``, ``bias``, ``dt`` are the Rockpool fields, in that order; ``threshold`` and
    ``activation`` are ours (``module.as_graph()`` fills them; keyword arguments).

    Attributes:
        tau: Time constants (seconds). bias: Bias inputs. dt: Time step (seconds), or ``None``.
        threshold: Activation thresholds. activation: The name (``"relu"``, ``"sigmoid"``,
        ``"tanh"``) or callable of the output function.
    """

    tau: Any = field(default_factory=list)
    bias: Any = field(default_factory=list)
    dt: Optional[float] = None
    threshold: Any = field(default_factory=list)
    activation: Any = "relu"


@dataclass(eq=False, repr=False)
class ExpSynapsesRealValue(GenericNeurons):
    """Exponential synapses (rockpool ``ExpSyn`` dynamics): ``I += i; I *= exp(-dt / tau)``.

    Attributes:
        tau: ``(N_out,)`` seconds. dt: seconds.
    """

    tau: Any = None
    dt: float = 1e-3

    def __post_init__(self):
        super().__post_init__()
        self.tau = np.broadcast_to(_np(0.01 if self.tau is None else self.tau), (self.size_out,)).copy()
        self.dt = float(self.dt)


@dataclass(eq=False, repr=False)
class InstantNeurons(GenericNeurons):
    """Memoryless neurons: ``output = function(input)`` (rockpool ``Instant``)."""

    function: Optional[Callable] = None
