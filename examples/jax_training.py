"""Training a Rockpool network with Jax: the training tutorial (seed page 003) as a script.

The page's code runs unchanged, with the optimiser lines the page omits (see the behaviour spec):

    from jax.example_libraries.optimizers import adam
    init_fun, update_fun, get_params = adam(1e-4)
    loss_vgf = jax.jit(jax.value_and_grad(loss_mse))
    opt_state = update_fun(i, grads, opt_state)   # with i = next(i_trial)

Usage::

    python examples/jax_training.py                 # 1000 epochs, as the page
    python examples/jax_training.py --epochs 20     # quick run
    python examples/jax_training.py --optax         # optax.adam instead of jax.example_libraries

Figures are saved as PNG files in ``--out`` (default ``examples/output``); a summary of the
losses is written to ``losses.json`` there.
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=1000, help="training epochs per network (page: 1000)")
    p.add_argument("--optax", action="store_true", help="use optax.adam instead of jax.example_libraries")
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "output"))
    p.add_argument("--seed", type=int, default=0, help="NumPy seed for the dataset and initial weights")
    return p.parse_args(argv)


def optax_adam(learning_rate: float):
    """``optax.adam`` behind the ``(init_fun, update_fun, get_params)`` interface of ``jax.example_libraries``.

    The optimiser state is ``(params, optax_state)``, so the page's training loop runs unchanged.
    """
    import optax

    opt = optax.adam(learning_rate)

    def init_fun(params):
        return params, opt.init(params)

    def update_fun(i, grads, state):
        params, opt_state = state
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state

    def get_params(state):
        return state[0]

    return init_fun, update_fun, get_params


def main(argv=None) -> dict:
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)

    def savefig(name: str) -> None:
        plt.savefig(os.path.join(args.out, name + ".png"), dpi=100)
        plt.close("all")

    # -- Some useful imports

    # - Switch off warnings
    import warnings

    warnings.filterwarnings("ignore")

    # - Rich printing
    try:
        from rich import print
    except ImportError:
        from builtins import print

    # - Numpy
    import numpy as np

    np.random.seed(args.seed)

    # - Import and configure matplotlib for plotting (files, no window)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["figure.figsize"] = [12, 4]
    plt.rcParams["figure.dpi"] = 300

    # - Import the loss components for use
    from rockpool.training import jax_loss as l

    def loss_mse(parameters, net, inputs, target):
        # - Handle the network state — randomise or reset
        net = net.reset_state()

        # - Assign the provided parameters to the network
        net = net.set_attributes(parameters)

        # - Evolve the network to get the ouput
        output, _, _ = net(inputs)

        # - Compute a loss value w.r.t. the target output
        return l.mse(output, target)

    # - Define a dataset class implementing the indexing interface
    class MultiClassRandomSinMapping:
        def __init__(
            self,
            num_classes: int = 2,
            sample_length: int = 100,
            input_channels: int = 50,
            target_channels: int = 2,
        ):
            self._num_classes = num_classes
            self._sample_length = sample_length

            # - Draw random input signals
            self._inputs = np.random.randn(num_classes, sample_length, input_channels) + 1.0

            # - Draw random sinusoidal target parameters
            self._target_phase = np.random.rand(num_classes, 1, target_channels) * 2 * np.pi
            self._target_omega = np.random.rand(num_classes, 1, target_channels) * sample_length / 50

            # - Generate target output signals
            time_base = np.atleast_2d(np.arange(sample_length) / sample_length).T
            self._targets = np.sin(2 * np.pi * self._target_omega * time_base + self._target_phase)

        def __len__(self):
            # - Return the total size of this dataset
            return self._num_classes

        def __getitem__(self, i):
            # - Return the indexed dataset sample
            return self._inputs[i], self._targets[i]

    # - Instantiate a dataset
    Nin = 2000
    Nout = 2
    num_classes = 3
    T = 100
    ds = MultiClassRandomSinMapping(
        num_classes=num_classes,
        input_channels=Nin,
        target_channels=Nout,
        sample_length=T,
    )

    # Display the dataset classes
    fig = plt.figure(constrained_layout=True)
    for i, sample in enumerate(ds):
        plt.subplot(2, len(ds), i + 1)
        im = plt.imshow(sample[0].T, aspect="auto", interpolation="none")
        plt.title(f"Input class {i}")
        plt.ylabel("Input channel" if i == 0 else "")
        plt.colorbar(im, label="input value" if i == len(ds) - 1 else None)

        plt.subplot(2, len(ds), i + len(ds) + 1)
        for c in range(np.shape(sample[1])[-1]):
            plt.plot(np.asarray(sample[1])[:, c], color=f"C{c}", label=f"target $\\hat{{y}}_{c}$")
        plt.xlabel(f"Time (steps), class {i}")
        plt.ylabel("Target" if i == 0 else "")
        if i == 0:
            plt.legend(fontsize="small")
    savefig("dataset")
    plt.close(fig)

    # - Import the Rockpool modules and Sequential combinator
    from rockpool.nn.modules import LinearJax, InstantJax
    from rockpool.nn.combinators import Sequential

    import jax
    import jax.numpy as jnp

    Nhidden = 8

    net = Sequential(
        LinearJax((Nin, Nhidden)),
        InstantJax(Nhidden, jnp.tanh),
        LinearJax((Nhidden, Nout)),
    )
    print(net)

    # - Useful imports
    from tqdm.autonotebook import tqdm
    from copy import deepcopy
    from itertools import count

    # -- Import an optimiser to use and initalise it
    import jax  # noqa: F811 - as on the page
    from jax.example_libraries.optimizers import adam

    if args.optax:
        adam = optax_adam  # noqa: F811 - same interface, optax inside

    # - Get the optimiser functions
    init_fun, update_fun, get_params = adam(1e-4)

    # - Initialise the optimiser with the initial parameters
    params0 = deepcopy(net.parameters())
    opt_state = init_fun(params0)

    # - Get a compiled value-and-gradient function
    loss_vgf = jax.jit(jax.value_and_grad(loss_mse))

    # - Compile the optimiser update function
    update_fun = jax.jit(update_fun)

    # - Record the loss values over training iterations
    loss_t = []

    num_epochs = args.epochs

    # - Loop over iterations
    i_trial = count()
    for _ in tqdm(range(num_epochs)):
        for sample in ds:
            # - Get an input / target sample
            input, target = sample[0], sample[1]

            # - Get parameters for this iteration
            params = get_params(opt_state)

            # - Get the loss value and gradients for this iteration
            loss_val, grads = loss_vgf(params, net, input, target)

            # - Update the optimiser
            opt_state = update_fun(next(i_trial), grads, opt_state)

            # - Keep track of the loss
            loss_t.append(loss_val)
    loss_mlp = [float(v) for v in loss_t]

    # - Plot the loss over iterations
    from rockpool.plotting import plot_loss

    plot_loss(np.array(loss_t), title="Training loss (MLP)")
    savefig("mlp_loss")

    # - Apply the trained parameters to the network
    params_hat = get_params(opt_state)
    net = net.set_attributes(params_hat)

    # - Evaluate classes
    for i_class, sample in enumerate(ds):
        input, target = sample

        # - Evaluate network
        net = net.reset_state()
        output, _, _ = net(input, record=True)

        # - Plot output and target
        plt.figure()
        out0, tgt = np.asarray(output[0]), np.asarray(sample[1])
        for c in range(out0.shape[-1]):  # one colour per channel: output solid, target dashed
            plt.plot(out0[:, c], "-", color=f"C{c}", label=f"Output $y_{c}$")
            plt.plot(tgt[:, c], "--", color=f"C{c}", label=f"Target $\\hat{{y}}_{c}$")
        plt.xlabel("Time (steps)")
        plt.ylabel("Value")
        plt.legend(ncol=2, fontsize="small")
        plt.title(f"Class {i_class}")
        savefig(f"mlp_class_{i_class}")

    # - Display network parameters
    plt.figure()
    w0 = np.asarray(net[0].weight).T
    lim = float(np.max(np.abs(w0)))
    plt.imshow(w0, aspect="auto", interpolation="none", cmap="RdBu_r", vmin=-lim, vmax=lim)
    plt.colorbar(label="weight")
    plt.xlabel("Input channel")
    plt.ylabel("Hidden unit")
    plt.title("Weight $W_0$")
    savefig("mlp_weight_0")

    plt.figure()
    w2 = np.asarray(net[2].weight)
    for c in range(w2.shape[1]):
        plt.plot(w2[:, c], ".", color=f"C{c}", label=f"to output {c}")
    plt.plot([0, Nhidden], [0, 0], "k--", lw=0.8)
    plt.legend(fontsize="small")
    plt.xlabel("Hidden unit")
    plt.ylabel("Weight value")
    plt.title("Weight $W_2$")
    savefig("mlp_weight_2")

    # - Import the rate-based stateful module RateEulerJax
    from rockpool.nn.modules import RateJax

    # - Build a Jax network including a stateful module
    Nhidden = 200
    net_stateful = Sequential(
        LinearJax((Nin, Nhidden)),
        RateJax(Nhidden, activation_func="tanh"),
        LinearJax((Nhidden, Nout)),
    )
    print(net_stateful)

    # - Import the convenience functions
    from rockpool.training.jax_loss import bounds_cost, make_bounds

    # - Generate a set of pre-configured bounds
    lower_bounds, upper_bounds = make_bounds(net_stateful.parameters())
    print("lower_bounds: ", lower_bounds, "upper_bounds: ", upper_bounds)

    # - Configure the bounds for this network
    lower_bounds["1_RateJax"]["tau"] = 10e-3
    print("lower_bounds: ", lower_bounds)

    def loss_mse_reg_bounds(parameters, net, inputs, target):
        # - Handle the network state — randomise or reset
        net = net.reset_state()

        # - Assign the provided parameters to the network
        net = net.set_attributes(parameters)

        # - Evolve the network to get the ouput
        output, _, _ = net(inputs)

        # - Compute a loss value w.r.t. the target output
        mse = l.mse(output, target)

        # - Add some parameter regularisation
        reg = l.l2sqr_norm(parameters) * 1e3

        # - Impose the bounds
        bounds = bounds_cost(parameters, lower_bounds, upper_bounds) * 1e3

        return mse + reg + bounds

    # - Initialise the optimiser with the initial parameters
    params0 = deepcopy(net_stateful.parameters())
    opt_state = init_fun(params0)

    # - Get a compiled value-and-gradient function for the new loss
    loss_vgf = jax.jit(jax.value_and_grad(loss_mse_reg_bounds))

    # - Compile the optimiser update function
    update_fun = jax.jit(update_fun)

    # - Record the loss values over training iterations
    loss_t = []

    num_epochs = args.epochs

    # - Loop over iterations
    i_trial = count()
    for _ in tqdm(range(num_epochs)):
        for sample in ds:
            # - Get an input / target sample
            input, target = sample[0], sample[1]

            # - Get parameters for this iteration
            params = get_params(opt_state)

            # - Get the loss value and gradients for this iteration
            loss_val, grads = loss_vgf(params, net_stateful, input, target)

            # - Update the optimiser
            opt_state = update_fun(next(i_trial), grads, opt_state)

            # - Keep track of the loss
            loss_t.append(loss_val)
    loss_stateful = [float(v) for v in loss_t]

    # - The bounds penalty spikes when a time constant crosses its bound: plot_loss fits the axis
    #   to the running median and counts the spikes above it
    plot_loss(np.array(loss_t, dtype=float), title="Training loss (stateful network, with bounds penalty)")
    savefig("stateful_loss")

    # - Get the final set of optimised parameters and apply them
    params = get_params(opt_state)
    net_stateful = net_stateful.set_attributes(params)

    # - Visualise the time constants
    plt.figure()
    plt.hist(np.asarray(net_stateful[1].tau) * 1e3, 20, color="C0", edgecolor="white")
    plt.xlabel("Time constants $\\tau$ (ms)")
    plt.ylabel("Count")
    plt.title("Trained time constants")
    savefig("stateful_taus")

    # - Summary for scripts and tests
    def summary(losses):
        k = len(ds)  # one epoch: every class once
        return {
            "first": losses[0],
            "last": losses[-1],
            "first_mean": float(np.mean(losses[:k])),
            "last_mean": float(np.mean(losses[-k:])),
            "n": len(losses),
        }

    result = {
        "optimiser": "optax" if args.optax else "jax.example_libraries",
        "epochs": num_epochs,
        "mlp": summary(loss_mlp),
        "stateful": summary(loss_stateful),
        "min_tau": float(np.min(np.asarray(net_stateful[1].tau))),
    }
    with open(os.path.join(args.out, "losses.json"), "w") as f:
        json.dump(result, f, indent=1)
    print(
        f"MLP loss {result['mlp']['first_mean']:.4g} -> {result['mlp']['last_mean']:.4g}; "
        f"stateful loss {result['stateful']['first_mean']:.4g} -> {result['stateful']['last_mean']:.4g}; "
        f"min tau {result['min_tau'] * 1e3:.3g} ms"
    )
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
