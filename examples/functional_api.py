"""[𝝺] Low-level functional API: the seed page's code, runnable as written.

Run with ``python examples/functional_api.py``. It builds a ``RateJax`` module, evolves it,
shows that evolution does not change the module (JAX modules are immutable), applies the new
state with ``set_attributes``, sets parameters directly and functionally, and resets the module.
"""

# - Switch off warnings
import warnings

warnings.filterwarnings("ignore")

# - Rockpool imports
from rockpool.nn.modules import RateJax  # noqa: E402

# - Other useful imports
import numpy as np  # noqa: E402

try:
    from rich import print
except ImportError:
    pass

# - Construct a module
N = 3
mod = RateJax(N)

# - Set up some input
T = 10
input = np.random.rand(T, N)
output, new_state, record = mod(input)

print("output:", output)
print("new_state:", new_state)

# - The module's own state is unchanged by evolution
print("mod.state:", mod.state())
print(mod.state()["x"], " != ", new_state["x"])

# - Assign the new state to the module after each evolution
mod = mod.set_attributes(new_state)
print(mod.state()["x"], " == ", new_state["x"])

# - Direct attribute assignment at the top level
new_tau = mod.tau * 0.4
mod.tau = new_tau
print(new_tau, " == ", mod.tau)

# - Functional attribute setting
params = mod.parameters()
params["tau"] = params["tau"] * 3.0

# - Note the functional calling style
mod = mod.set_attributes(params)

# - check that the attribute was set
print(params["tau"], " == ", mod.tau)

# - Reset the module state
mod = mod.reset_state()

# - Reset the module parameters
mod = mod.reset_parameters()
print("after reset:", mod.state()["x"], mod.tau)
