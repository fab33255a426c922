# ruff: noqa: E402, B026  (the page's code, cell by cell, as written)
"""The low-level Module API (docs page "Low-level Module API"), runnable as written.

Cells [1]-[11] of the page, in order. The page's evolve() in cell [6] had a typo
(``new_state.update("neurons", ...)``); here it assigns the submodule's state and record, and the
method is attached to the class so that the network evolves properly at the end.

Run with ``python examples/low_level_api.py``.
"""

# [1]
# - Switch off warnings
import warnings

warnings.filterwarnings("ignore")

# - Useful imports
try:
    from rich import print
except ImportError:
    pass

# - Example of constructing a module
from rockpool.nn.modules import Rate
import numpy as np

# - Construct a Module with 4 neurons
mod = Rate(4)
print(mod)

# [2]
# - Construct a Module with concrete parameters
mod = Rate(4, tau=np.ones(4))
print(mod)

# [3]
# - Generate and evolve over some input
T = 5
input = np.random.rand(T, mod.size_in)
output, _, _ = mod(input)
print(f"Output shape: {output.shape}")

# [4]
# - Request the recorded state
output, _, recorded_state = mod(input, record=True)
print("Parameters:", recorded_state)

# [5]
# - Build a simple network
from rockpool.nn.modules import Module
from rockpool.parameters import Parameter
from rockpool.nn.modules import RateJax


class ffwd_net(Module):
    # - Provide an `__init__` method to specify required parameters and modules
    #   Here you check, define and initialise whatever parameters and
    #   state you need for your module.
    def __init__(
        self,
        shape,
        *args,
        **kwargs,
    ):
        # - Call superclass initialisation
        #   This is always required for a `Module` class
        super().__init__(shape=shape, *args, **kwargs)

        # - Specify weights attribute
        #   We need a weights matrix for our input weights.
        #   We specify the shape explicitly, and provide an initialisation function.
        #   We also specify a family for the parameter, "weights". This is used to
        #   query parameters conveniently, and is a good idea to provide.
        self.w_ffwd = Parameter(
            shape=self.shape,
            init_func=lambda s: np.zeros(s),
            family="weights",
        )

        # - Specify and a add submodule
        #   These will be the neurons in our layer, to receive the weighted
        #   input signals. This sub-module will be automatically configured
        #   internally, to specify the required state and parameters
        self.neurons = RateJax(self.shape[-1])

    # - The `evolve` method contains the internal logic of your module
    #   `evolve` takes care of passing data in and out of the module,
    #   and between sub-modules if present.
    def evolve(self, input_data, *args, **kwargs):
        # - Pass input data through the input weights
        x = input_data @ self.w_ffwd

        # - Pass the signals through the neurons
        x, _, _ = self.neurons(x)

        # - Return the module output
        return x, {}, {}


# [6]
def evolve(self, input_data, record: bool = False, *args, **kwargs):
    # - Initialise state and record dictionaries
    new_state = {}
    recorded_state = {}

    # - Pass input data through the input weights
    x = input_data @ self.w_ffwd

    # - Add an internal signal record to the record dictionary
    if record:
        recorded_state["weighted_input"] = x

    # - Pass the signals through the neurons, passing through the `record` argument
    x, submod_state, submod_record = self.neurons(x, record=record)

    # - Record the submodule state
    new_state["neurons"] = submod_state

    # - Include the recorded state
    recorded_state["neurons"] = submod_record

    # - Return the module output
    return x, new_state, recorded_state


# - Replace the simple evolve method of the network above
ffwd_net.evolve = evolve

# [7]
# - Build a module for our network
my_mod = ffwd_net((4, 6))
print(my_mod)

# [8]
# - Show module parameters
print("Parameters:", my_mod.parameters())

# [9]
# - Show module state
print("State:", my_mod.state())

# [10]
# - Return parameters from particular families
print("Module time constants:", my_mod.parameters("taus"))
print("Module weights:", my_mod.parameters("weights"))

# [11]
# - Access parameters directly
print(".w_ffwd:", my_mod.w_ffwd)
print(".neurons.tau:", my_mod.neurons.tau)

# - (Not on the page) the network with the replaced evolve() returns its state and record
my_mod.w_ffwd = np.ones((4, 6))
output, new_state, recorded_state = my_mod(np.random.rand(T, my_mod.size_in), record=True)
print(f"Network output shape: {output.shape}")
print("Network record keys:", list(recorded_state), list(recorded_state["neurons"]))
print("Network state keys:", list(new_state["neurons"]))
