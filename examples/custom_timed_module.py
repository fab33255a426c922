"""A custom timed module: spiking neurons at 1 ms, synapses at 2 ms, and a gain of its own.

Run with ``python examples/custom_timed_module.py [--periods N]``. The script

1. defines ``RateMeter``, a :class:`~rockpool.nn.modules.TimedModule` with two timed children
   (``LIF`` neurons stepping at 1 ms and ``ExpSyn`` synapses stepping at 2 ms) and its own
   trainable ``gain``; its time step becomes the least common multiple of its children's, 2 ms;
2. writes ``evolve`` with the protected helpers: the children get the call's step count (in the
   parent's 2 ms steps) and convert it to their own, ``_prepare_input`` samples the synaptic trace
   on the parent's clock and ``_gen_timeseries`` wraps the scaled result as a time series;
3. drives it with a *periodic* pulse train (10 ms on, 10 ms off, three amplitudes), one period per
   call, passing each call's ``new_state`` back with ``set_attributes``; then resets it.

Only NumPy modules are used, so it runs in well under a second.
"""

from __future__ import annotations

import argparse

import numpy as np

from rockpool.nn.modules import LIF, ExpSyn, TimedModule
from rockpool.parameters import Parameter
from rockpool.timeseries import TSContinuous


class RateMeter(TimedModule):
    """Firing rates of ``n`` LIF neurons, read through exponential synapses and scaled by ``gain``.

    ``output = gain * I_syn`` where ``I_syn`` is the synaptic trace of the neurons' spikes.
    """

    def __init__(self, n: int = 3, tau_syn: float = 0.02):
        super().__init__(dt=1e-3, shape=(n, n))
        self.gain = Parameter(np.ones(n), "weights")
        self.neurons = LIF(n, tau_mem=0.01, tau_syn=0.005, threshold=1.0, dt=1e-3).timed()
        self.synapses = ExpSyn(n, tau=tau_syn, dt=2e-3).timed(add_events=True)

    def evolve(self, ts_input=None, duration=None, num_timesteps=None, kwargs_timeseries=None, record=False):
        # - Children take the call's step count in our dt (2 ms) and convert it to their own
        spikes, s_neurons, r_neurons = self.neurons(ts_input, duration, num_timesteps, record=record)
        trace, s_synapses, r_synapses = self.synapses(spikes, duration, num_timesteps, record=record)
        # - Our own step: sample the trace on our clock, scale it, wrap it as a time series
        _, isyn, _ = self._prepare_input(trace, num_timesteps=num_timesteps)
        output = self._gen_timeseries(isyn * self.gain, **(kwargs_timeseries or {}))
        new_state = {"neurons": s_neurons, "synapses": s_synapses}
        rec = {"neurons": r_neurons, "synapses": r_synapses, "spikes": spikes} if record else {}
        return output, new_state, rec


def pulse_train(amplitudes, on: float = 0.01, off: float = 0.01, dt: float = 1e-3) -> TSContinuous:
    """One period of a pulse train (``on`` s at ``amplitudes``, ``off`` s at 0), periodic."""
    n_on, n_off = round(on / dt), round(off / dt)
    samples = np.concatenate([np.tile(amplitudes, (n_on, 1)), np.zeros((n_off, len(amplitudes)))])
    return TSContinuous.from_clocked(samples, dt=dt, periodic=True, name="pulses")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--periods", type=int, default=5, help="number of input periods to evolve")
    args = parser.parse_args(argv)

    meter = RateMeter(3)
    meter.gain = np.array([1.0, 1.0, 0.5])  # the trainable gain is a plain attribute too
    print(meter)
    print(f"dt = {meter.dt:g} s (children: {meter.neurons.dt:g} s and {meter.synapses.dt:g} s)")
    print(f"trainable parameters: {sorted(meter.parameters())}, neurons: {sorted(meter.parameters()['neurons']['_module'])}")

    drive = pulse_train([0.0, 0.15, 0.6])
    means = []
    for k in range(args.periods):
        out, new_state, rec = meter(drive, record=True, kwargs_timeseries={"name": f"period {k}"})
        meter = meter.set_attributes(new_state)  # what the call returned goes straight back
        means.append(out.samples.mean(axis=0))
        n_spikes = len(rec["spikes"])
        print(f"{out.name}: t = {out.t_start:.3f}..{out.t_stop:.3f} s, {n_spikes} spikes, mean output {np.round(means[-1], 3)}")
    print(f"clock: parent t = {meter.t:.3f} s, neurons t = {meter.neurons.t:.3f} s, synapses t = {meter.synapses.t:.3f} s")

    meter.reset_all()
    print(f"after reset_all: t = {meter.t:.3f} s, vmem = {meter.neurons.module.vmem.tolist()}")
    return {"means": np.array(means), "dt": meter.dt}


if __name__ == "__main__":
    main()
