"""Smoothed, weighted readouts: :class:`WeightedSmoothBase`, :class:`SoftmaxJax`, :class:`LogSoftmaxJax`."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple

import jax
import numpy as np

from rockpool.nn.modules.jax.exp_syn_jax import ExpSynJax
from rockpool.nn.modules.jax.jax_module import JaxModule
from rockpool.nn.modules.jax.linear_jax import LinearJax
from rockpool.nn.modules.module import shape_tuple
from rockpool.nn.modules.native.linear import _identity
from rockpool.parameters import Constant, Parameter, SimulationParameter

__all__ = ["WeightedSmoothBase", "SoftmaxJax", "LogSoftmaxJax"]

Array = Any


def softmax_channels(x: Array) -> Array:
    r"""Softmax over the channel (last) axis: :math:`S(x) = e^{l} / \sum e^{l}`, :math:`l = x - \max x`."""
    return jax.nn.softmax(x, axis=-1)


def log_softmax_channels(x: Array) -> Array:
    r"""Log-softmax over the channel (last) axis: :math:`l - \log \sum e^{l}`, :math:`l = x - \max x`."""
    return jax.nn.log_softmax(x, axis=-1)


class WeightedSmoothBase(JaxModule):
    r"""A weighted, exponentially smoothed readout followed by an activation (JAX backend).

    The input :math:`i(t)` (``(T, Nin)`` or ``(B, T, Nin)``, spikes or currents) is weighted by
    a :class:`LinearJax` submodule ``linear`` (weights :math:`W`, optional bias :math:`b`), then
    smoothed by an :class:`ExpSynJax` submodule ``smooth`` with time constant :math:`\tau`
    (seconds), and the activation is applied to the smoothed currents:

    .. math::

        \tau \dot{I}_{syn} + I_{syn} = i(t) \cdot W + b, \qquad y(t) = f(I_{syn}(t))

    discretised per step ``dt`` as ``I += i(t) W + b; I *= exp(-dt / tau)`` (see
    :class:`ExpSynJax`). The output has shape ``(B, T, Nout)``.

    Submodules: ``linear`` (``LinearJax((Nin, Nout))``, initialised like a plain ``LinearJax``)
    and ``smooth`` (``ExpSynJax(Nout)``; a scalar ``tau``, the default 0.1 s, stays a scalar
    parameter shared by all channels, so ``parameters("taus")["smooth"]["tau"].shape == ()``).
    The input is made ``(B, T, Nin)`` as for the neuron modules (a scalar, 1-D or width-1 input
    is broadcast).

    Attributes:
        activation_fn: The activation :math:`f` (SimulationParameter, static), applied to the
            ``(B, T, Nout)`` smoothed currents; the identity when ``activation_fun`` is ``None``.

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.modules import WeightedSmoothBase
        >>> mod = WeightedSmoothBase((3, 2))
        >>> mod(np.ones((5, 3)))[0].shape
        (1, 5, 2)
    """

    _input_rule = "neurons"

    def __init__(
        self,
        shape: Optional[Tuple[int, int]] = None,
        weight: Optional[Array] = None,
        bias: Optional[Array] = None,
        has_bias: bool = True,
        tau: Any = 0.1,
        dt: float = 1e-3,
        activation_fun: Optional[Callable[[Array], Array]] = None,
        spiking_input: bool = False,
        spiking_output: bool = False,
    ):
        r"""
        Args:
            shape: ``(Nin, Nout)``. If not provided, the shape of ``weight`` is used.
            weight: Concrete ``(Nin, Nout)`` initial weights. If not provided, initialised as
                by a plain :class:`LinearJax` (Kaiming, :math:`W \sim U[\pm\sqrt{6 / N_{in}}]`).
            bias: Concrete ``(Nout,)`` initial biases. If not provided (and ``has_bias``),
                initialised as by :class:`LinearJax` (:math:`U[\pm\sqrt{1 / N_{out}}]`).
            has_bias: Iff ``True``, the module includes a set of biases. Default: ``True``.
            tau: Smoothing time constant :math:`\tau` in seconds (scalar or ``(Nout,)``).
                Default: 100 ms.
            dt: Simulation time step in seconds. Default: 1 ms.
            activation_fun: Function applied to the ``(B, T, Nout)`` smoothed currents (use
                ``jax.numpy``). Default: the identity.
            spiking_input: Whether the input is spiking.
            spiking_output: Whether the output is spiking.
        """
        cls = type(self).__name__
        if shape is None:
            if weight is None:
                raise ValueError(
                    f"{cls}: give `shape=(Nin, Nout)` or a concrete `weight` array to infer it from."
                )
            shape = np.shape(weight)
        dims = shape_tuple(cls, shape)
        if len(dims) != 2:
            raise ValueError(
                f"{cls}: shape must be a 2-tuple (Nin, Nout), got {dims!r}. "
                f"E.g. {cls}((3, 4)) reads 3 input channels out to 4 classes."
            )
        n_in, n_out = dims
        shape = (n_in, n_out)
        if bias is not None and not has_bias:
            raise ValueError(
                f"{cls}: a `bias` was given with has_bias=False; drop the bias, or pass has_bias=True."
            )
        super().__init__(shape=shape, spiking_input=spiking_input, spiking_output=spiking_output)
        # - The read-out initialises exactly like a plain LinearJax of this shape
        self.linear = LinearJax(shape, weight=weight, bias=bias if has_bias else None, has_bias=has_bias)
        smooth = ExpSynJax(n_out, tau=tau, dt=dt, spiking_input=False)
        if not isinstance(tau, Constant) and np.ndim(tau) == 0:
            # - One smoothing time constant shared by all channels: a scalar parameter
            del smooth.tau
            smooth.tau = Parameter(tau, "taus", shape=())
        self.smooth = smooth
        fn = _identity if activation_fun is None else activation_fun
        if not callable(fn):
            raise ValueError(f"{self._label}: `activation_fun` must be callable, got {fn!r}.")
        self.activation_fn = SimulationParameter(fn)

    def evolve(self, input_data: Array, record: bool = False) -> Tuple[Array, Dict, Dict]:
        """Evolve over ``(T, Nin)`` or ``(B, T, Nin)`` input; return ``(output, new_state, record)``.

        The record (``record=True``) holds each submodule's record plus ``linear_output`` and
        ``smooth_output``.
        """
        x, _, rec_lin = self.linear.evolve(input_data, record=record)
        x_smooth, state_smooth, rec_smooth = self.smooth.evolve(x, record=record)
        y = self.activation_fn(x_smooth)
        rec: Dict[str, Any] = {}
        if record:
            rec = {
                "linear": rec_lin,
                "linear_output": x,
                "smooth": rec_smooth,
                "smooth_output": x_smooth,
            }
        return y, {"linear": {}, "smooth": state_smooth}, rec


class _FixedActivationReadout(WeightedSmoothBase):
    """A :class:`WeightedSmoothBase` whose activation is fixed by the class (``_activation``)."""

    _activation: Callable[[Array], Array]

    def __init__(
        self,
        shape: Optional[Tuple[int, int]] = None,
        weight: Optional[Array] = None,
        bias: Optional[Array] = None,
        has_bias: bool = True,
        tau: Any = 0.1,
        dt: float = 1e-3,
        spiking_input: bool = False,
        spiking_output: bool = False,
    ):
        r"""Instantiate the readout.

        Args:
            shape: Defines the module shape ``(Nin, Nout)``. If not provided, the shape of
                ``weight`` is used.
            weight: Concrete initialisation data for the weights. If not provided, initialised
                as by a plain :class:`LinearJax` (Kaiming, :math:`W \sim U[\pm\sqrt{6 / N_{in}}]`).
            bias: Concrete initialisation data for the biases. If not provided, initialised as
                by :class:`LinearJax` (:math:`U[\pm\sqrt{1 / N_{out}}]`).
            has_bias: Iff ``True``, the module includes a set of biases. Default: ``True``.
            tau: Smoothing time constant :math:`\tau` in seconds. Default: 100 ms.
            dt: Simulation time step in seconds. Default: 1 ms.
            spiking_input: Whether the input is spiking.
            spiking_output: Whether the output is spiking.
        """
        super().__init__(
            shape=shape,
            weight=weight,
            bias=bias,
            has_bias=has_bias,
            tau=tau,
            dt=dt,
            activation_fun=type(self)._activation,
            spiking_input=spiking_input,
            spiking_output=spiking_output,
        )


class SoftmaxJax(_FixedActivationReadout):
    r"""A Jax-backed module implementing a smoothed weighted softmax, compatible with spiking inputs.

    This module implements synaptic dynamics

    .. math::

        \tau \dot{I}_{syn} + I_{syn} = i(t) \cdot W + b

    (discretised per step ``dt``: ``I += i(t) W + b; I *= exp(-dt / tau)``), and applies the
    softmax to the synaptic currents :math:`I_{syn}`, over the channel axis, separately for each
    batch element and time step:

    .. math::

        S(x) = \exp(l) / \Sigma \exp(l), \qquad l = x - \max(x)

    so each output row sums to 1. Input weighting :math:`W` (submodule ``linear``) is provided,
    and the exponential smoothing kernel (submodule ``smooth``) is parameterised by the time
    constant :math:`\tau` (seconds).

    Inputs: ``(T, Nin)`` or ``(B, T, Nin)`` (spikes or currents). Output: ``(B, T, Nout)``.

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.modules import SoftmaxJax
        >>> mod = SoftmaxJax((3, 2))
        >>> out, _, _ = mod(np.random.rand(10, 3) < 0.3)
        >>> bool(np.allclose(out.sum(-1), 1.0, atol=1e-5))
        True
    """

    _activation = staticmethod(softmax_channels)


class LogSoftmaxJax(_FixedActivationReadout):
    r"""A Jax-backed module implementing a smoothed weighted log-softmax, compatible with spiking inputs.

    Same synaptic dynamics as :class:`SoftmaxJax`,

    .. math::

        \tau \dot{I}_{syn} + I_{syn} = i(t) \cdot W + b

    followed by the log-softmax over the channel axis, per batch element and time step:

    .. math::

        \log S(x) = l - \log \Sigma \exp(l), \qquad l = x - \max(x)

    (numerically stable; ``exp`` of each output row sums to 1). Use it with a negative
    log-likelihood / cross-entropy loss.

    Example:
        >>> import numpy as np
        >>> from rockpool.nn.modules import LogSoftmaxJax
        >>> mod = LogSoftmaxJax((3, 2))
        >>> out, _, _ = mod(np.random.rand(10, 3) < 0.3)
        >>> bool(np.allclose(np.exp(out).sum(-1), 1.0, atol=1e-5))
        True
    """

    _activation = staticmethod(log_softmax_channels)
