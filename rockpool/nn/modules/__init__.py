"""Public module classes. Names load lazily, so importing NumPy modules never imports JAX."""

from rockpool._lazy import lazy_exports
from rockpool.nn.modules.module import Module, ModuleBase, RockpoolWarning

_J = "rockpool.nn.modules.jax."
_N = "rockpool.nn.modules.native."
_LAZY = {
    "JaxModule": _J + "jax_module",
    "RateJax": _J + "rate_jax",
    "RateEulerJax": _J + "rate_jax",
    "LinearJax": _J + "linear_jax",
    "InstantJax": _J + "linear_jax",
    "ExpSynJax": _J + "exp_syn_jax",
    "WeightedSmoothBase": _J + "softmax_jax",
    "SoftmaxJax": _J + "softmax_jax",
    "LogSoftmaxJax": _J + "softmax_jax",
    "LIFJax": _J + "lif_jax",
    "Rate": _N + "rate",
    "Linear": _N + "linear",
    "Instant": _N + "linear",
    "ExpSyn": _N + "exp_syn",
    "LIF": _N + "lif",
    "TimedModule": "rockpool.nn.modules.timed_module",
    "TimedModuleWrapper": "rockpool.nn.modules.timed_module",
    "astimedmodule": "rockpool.nn.modules.timed_module",
    # - NIR conversion (JAX and nir; ours: the reference has placeholders here without torch)
    "to_nir": "rockpool.graph.nir",
    "from_nir": "rockpool.graph.nir",
    # - hardware-robust training and the audio front end (issue 14)
    "LIFODEJax": _J + "lif_ode_jax",
    "ExpSmoothJax": _J + "exp_smooth_jax",  # deprecated (warns on import): not in __all__
    "ButterFilter": _N + "filter_bank",
    "ButterMelFilter": _N + "filter_bank",
    "ButterFilterJax": _J + "filter_bank_jax",
    "ButterMelFilterJax": _J + "filter_bank_jax",
    "LowPass": "rockpool.nn.modules.low_pass",  # torch-only in the reference: raises on use
}
# - Placeholders for the torch / sinabs / exodus / slayer classes, which rockpool does not provide
_LAZY.update(
    dict.fromkeys(
        [
            "TorchModule", "LinearTorch", "LIFTorch", "ExpSynTorch", "RateTorch", "InstantTorch",
            "LIFBitshiftTorch", "LIFNeuronTorch", "aLIFTorch", "UpDownTorch", "LIFSinabs",
            "LIFExodus", "LIFMembraneExodus", "ExpSynExodus", "LIFSlayer",
        ],
        "rockpool.nn.modules.missing_backends",
    )
)

__all__ = ["Module", "ModuleBase", "RockpoolWarning", *(n for n in _LAZY if n != "ExpSmoothJax")]


__getattr__, __dir__ = lazy_exports(globals(), _LAZY)
