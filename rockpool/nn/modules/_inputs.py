"""How a module's ``__call__`` prepares its input (a mixin of :class:`~rockpool.nn.modules.Module`,
kept apart so that file stays short): the per-class input rule, the checks at the door, and
``_auto_batch`` for ``evolve`` implementations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Tuple

import numpy as np

from rockpool.nn.modules._validation import _is_array

__all__ = ["_InputMixin"]


class _InputMixin:
    """Input preparation of :class:`~rockpool.nn.modules.Module` (see ``_input_rule``)."""

    if TYPE_CHECKING:  # provided by Module

        @property
        def _label(self) -> str: ...

        @property
        def size_in(self) -> Optional[int]: ...

        @property
        def _xp(self) -> Any: ...

    # - How `__call__` prepares the input (decided per class, in Python, before any tracing):
    #   None        user subclasses: evolve receives the input unchanged (a scalar, a list, any rank);
    #               shape checks belong to the built-in modules, not to the base class
    #   "neurons"   neuron / synapse modules: made (B, T, N); a scalar or a width-1 input is broadcast
    #               to every channel, a 1-D input of length L is time (1, L, N)
    #   "weights"   weight layers: NumPy matmul rules (scalar, 1-D, (T, Nin), (B, T, Nin)), the width
    #               checked (a width-1 input is broadcast)
    #   "chain"     combinators: numbers and lists become arrays; each part checks its own input
    _input_rule: Optional[str] = None

    def _input_array(self, data: Any) -> Any:
        return np.asarray(data)

    def _read_input(self, input_data: Any) -> Any:
        """``input_data`` as a numeric array of rank <= 3, else a ``ValueError`` naming the module."""
        n = self.size_in
        expect = f"(T, {n}) or (B, T, {n})" if n is not None else "(T, N) or (B, T, N)"
        try:
            data = self._input_array(input_data)
        except (TypeError, ValueError) as e:
            raise ValueError(
                f"{self._label}: input cannot be read as a numeric array ({e}); expected {expect}."
            ) from None
        if data.dtype.kind not in "biuf":
            raise ValueError(f"{self._label}: input must be numeric (got dtype {data.dtype}); expected {expect}.")
        if data.ndim > 3:
            raise ValueError(
                f"{self._label}: input has {data.ndim} dimensions (shape {tuple(data.shape)}); "
                f"expected {expect}."
            )
        return data

    def _check_input(self, input_data: Any) -> Any:
        """Prepare an input by this class's ``_input_rule`` (see above): dtype, rank, width, finiteness."""
        rule = self._input_rule
        if rule is None:
            return input_data
        data = self._read_input(input_data)
        if rule == "neurons":
            data = self._neuron_input(data)
        elif rule == "weights" and data.ndim:
            data = self._checked_width(data)
        self._check_finite(data)
        return data

    def _checked_width(self, data: Any) -> Any:
        """Check the last axis against ``size_in``; broadcast a width-1 input to every channel."""
        n = self.size_in
        if n is None or data.shape[-1] == n:
            return data
        if data.shape[-1] != 1:
            raise ValueError(
                f"{self._label}: input has {data.shape[-1]} channels, expected {n} (shape (T, {n}) or "
                f"(B, T, {n}); a single channel (T, 1) is broadcast to all {n})."
            )
        return self._broadcast_input(data, data.shape[:-1] + (n,))

    def _neuron_input(self, data: Any) -> Any:
        """A neuron module's input as ``(B, T, N)``: a scalar is ``(1, 1, N)``, a 1-D input of length
        ``L`` is time (``(1, L, N)``, also when ``L == N``), ``(T, N)`` is batch 1; a width of 1 is
        broadcast to all channels. Shapes are static, so this costs nothing inside compiled code."""
        if data.ndim < 2:
            data = data.reshape((1, -1, 1) if data.ndim else (1, 1, 1))
        elif data.ndim == 2:
            data = data[None]
        return self._checked_width(data)

    def _broadcast_input(self, data: Any, shape: tuple) -> Any:
        return np.broadcast_to(data, shape)

    def _check_finite(self, data: Any) -> None:
        if data.dtype.kind == "f" and not np.isfinite(data).all():
            raise ValueError(f"{self._label}: input contains NaN or inf values.")

    def _auto_batch(
        self, data: Any, states: Tuple = (), target_shapes: Optional[Tuple] = None
    ) -> Tuple[Any, Tuple[Any, ...]]:
        """Make the input ``(B, T, Nin)`` and replicate states over the batch.

        Usage (inside ``evolve``)::

            data, (v, i) = self._auto_batch(data, (self.v, self.i))

        Args:
            data: ``(T, Nin)`` or ``(B, T, Nin)``; also a scalar, a 1-D input (time) or a width-1
                input, broadcast to every channel as by ``__call__`` of the neuron modules.
            states: State arrays; each is replicated to ``(B, *shape)``.
            target_shapes: Optional per-state shapes (without batch axis) to broadcast to.

        Returns:
            ``(data, states)`` with ``data`` of shape ``(B, T, Nin)``.
        """
        xp = self._xp
        if not _is_array(data) or data.ndim > 3:
            data = self._read_input(data)  # an array, or an error naming the module
        data = self._neuron_input(data)
        n = self.size_in
        batches = data.shape[0]
        if states and not batches:
            raise ValueError(
                f"{self._label}: input has batch size 0 (shape {tuple(data.shape)}); give at least one "
                f"batch element, (T, {n}) or (B, T, {n}) with B >= 1."
            )
        if target_shapes is None:
            target_shapes = tuple(s.shape for s in states)
        out = tuple(
            xp.broadcast_to(s, (batches,) + tuple(ts)) for s, ts in zip(states, target_shapes, strict=True)
        )
        return data, out
