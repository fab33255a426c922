"""The reference library's torch transforms (``rockpool.transform.torch_transform``): not available.

Every documented name exists and raises ``ModuleNotFoundError`` when used (no torch backend
here). The JAX equivalents are in :mod:`rockpool.transform.functional` (``stochastic_round``,
``dropout``, ``mismatch``) and the wrappers :mod:`rockpool.transform.dropout` /
:mod:`rockpool.transform.quantize`.

Example:
    >>> from rockpool.transform.torch_transform import stochastic_rounding
    >>> try:
    ...     stochastic_rounding(1.5)
    ... except ModuleNotFoundError as e:
    ...     print(type(e).__name__)
    ModuleNotFoundError
"""

from rockpool._torch_shims import torch_class, torch_function

__all__ = [
    "make_param_T_config", "make_param_T_network", "make_act_T_config", "make_act_T_network",
    "apply_T", "remove_T_net", "stochastic_rounding", "deterministic_rounding", "dropout",
    "round_passthrough", "t_decay", "TWrapper",
]

make_param_T_config = torch_function("make_param_T_config")
make_param_T_network = torch_function("make_param_T_network")
make_act_T_config = torch_function("make_act_T_config")
make_act_T_network = torch_function("make_act_T_network")
apply_T = torch_function("apply_T")
remove_T_net = torch_function("remove_T_net")
stochastic_rounding = torch_function("stochastic_rounding")
deterministic_rounding = torch_function("deterministic_rounding")
dropout = torch_function("dropout")
round_passthrough = torch_function("round_passthrough")
t_decay = torch_function("t_decay")


TWrapper = torch_class(
    "TWrapper",
    doc="Torch transform wrapper of the reference library: needs torch (raises ``ModuleNotFoundError``).",
    module=__name__,
)
