"""Every public name, import path and signature of spec/robustness-and-audio.md (and api.md §5.7)."""

import importlib
import inspect
import warnings

import pytest

E = inspect.Parameter.empty

# (module path, name) -> expected leading parameters as (name, default) pairs ("*" = any default)
SIGNATURES = {
    ("rockpool.transform", "mismatch_generator"): [("prototype", E), ("percent_deviation", 0.3), ("sigma_rule", 3.0)],
    ("rockpool.transform.mismatch", "mismatch_generator"): [("prototype", E), ("percent_deviation", 0.3), ("sigma_rule", 3.0)],
    ("rockpool.transform.mismatch", "module_registery"): [("module", E)],
    ("rockpool.transform.param_transformer", "ParameterTransformerMixin"): [("module", E), ("families", None), ("transform_params", None)],
    ("rockpool.transform.param_transformer", "JaxParameterTransformerMixin"): [("module", E), ("families", None), ("transform_params", None), ("rng_key", None)],
    ("rockpool.transform.param_transformer", "deep_update"): [("source", E), ("overrides", E)],
    ("rockpool.transform.dropout", "Dropout"): [("mod", E)],
    ("rockpool.transform.dropout", "JaxDropout"): [("module", E), ("families", None), ("transform_params", None), ("rng_key", None)],
    ("rockpool.transform.dropout", "ModDropout"): [("module", E), ("families", None), ("transform_params", None)],
    ("rockpool.transform.quantize", "StochasticQuantize"): [("mod", E)],
    ("rockpool.transform.quantize", "JaxStochasticQuantize"): [("module", E), ("families", None), ("transform_params", None), ("rng_key", None)],
    ("rockpool.transform.quantize", "ModStochasticQuantize"): [("module", E), ("families", None), ("transform_params", None)],
    ("rockpool.transform.quantize_methods", "global_quantize"): [
        ("weights_in", E), ("weights_rec", E), ("weights_out", E), ("threshold", E), ("threshold_out", E),
        ("dash_mem", E), ("dash_mem_out", E), ("dash_syn", E), ("dash_syn_2", E), ("dash_syn_out", E),
        ("bias", None), ("bias_out", None), ("fuzzy_scaling", False), ("bits_per_weight", 8), ("bits_per_threshold", 16)],
    ("rockpool.transform.quantize_methods", "channel_quantize"): [
        ("weights_in", E), ("weights_rec", E), ("weights_out", E), ("threshold", E), ("threshold_out", E),
        ("dash_mem", E), ("dash_mem_out", E), ("dash_syn", E), ("dash_syn_2", E), ("dash_syn_out", E),
        ("bias", None), ("bias_out", None), ("bits_per_weight", 8), ("bits_per_threshold", 16)],
    ("rockpool.transform.quantize_methods", "validate_weights_to_2d"): [("weights", E)],
    ("rockpool.transform.quantize_methods", "validate_weights_to_3d"): [("weights", E)],
    ("rockpool.training.adversarial_jax", "pga_attack"): [
        ("params_flattened", E), ("net", E), ("rng_key", E), ("inputs", E), ("net_out_original", E),
        ("tree_def_params", E), ("mismatch_loss", E), ("attack_steps", 10), ("mismatch_level", 0.025),
        ("initial_std", 1e-3)],
    ("rockpool.training.adversarial_jax", "adversarial_loss"): [
        ("parameters", E), ("net", E), ("inputs", E), ("target", E), ("task_loss", E), ("mismatch_loss", E),
        ("rng_key", E), ("noisy_forward_std", 0.0), ("initial_std", 1e-3), ("mismatch_level", 0.025),
        ("beta_robustness", 0.25), ("attack_steps", 10)],
    ("rockpool.training.ctc_loss", "ctc_loss_numpy"): [("label", E), ("log_prob", E), ("seq_length", E), ("big_num", 1e10)],
    ("rockpool.training.ctc_loss", "ctc_loss_jax"): [("label", E), ("log_prob", E), ("seq_length", E), ("big_num", 1e10)],
    ("rockpool.training.ctc_loss", "ctc_loss_torch"): [],
    ("rockpool.training.jax_debug", "debug_evolution"): [("jmod", E), ("state", E), ("parameters", E), ("input", E)],
    ("rockpool.training.jax_debug", "debug_optimisation"): [("jmod", E), ("parameters", E), ("input", E), ("target", E), ("vgf_loss", E)],
    ("rockpool.training.jax_debug", "flatten"): [("generic_collection", E), ("sep", "_")],
    ("rockpool.nn.modules", "ButterFilter"): [
        ("frequency", E), ("bandwidth", E), ("fs", 44100.0), ("order", 2), ("mean_subtraction", False),
        ("normalize", False), ("num_workers", 1), ("use_lowpass", True)],
    ("rockpool.nn.modules.native.filter_bank", "ButterFilter"): [("frequency", E), ("bandwidth", E)],
    ("rockpool.nn.modules", "ButterMelFilter"): [
        ("shape", (1, 64)), ("fs", 44100.0), ("cutoff_fs", 100.0), ("filter_width", 2.0),
        ("mean_subtraction", False), ("normalize", False), ("order", 2), ("num_workers", 1), ("plot", False),
        ("use_lowpass", True)],
    ("rockpool.nn.modules.native.filter_bank", "ButterMelFilter"): [("shape", (1, 64))],
    ("rockpool.nn.modules", "ButterFilterJax"): [("frequency", E), ("bandwidth", E), ("fs", 44100.0)],
    ("rockpool.nn.modules", "ButterMelFilterJax"): [("shape", (1, 64)), ("fs", 44100.0)],
    ("rockpool.nn.modules", "LIFODEJax"): [
        ("shape", E), ("tau_mem", None), ("tau_syn", None), ("bias", None), ("threshold", None),
        ("has_rec", False), ("w_rec", None), ("weight_init_func", None), ("noise_std", 0.0), ("dt", 1e-3),
        ("max_spikes_per_dt", 2**16)],
    ("rockpool.nn.modules.jax", "LIFODEJax"): [("shape", E)],
    ("rockpool.nn.modules.jax.exp_smooth_jax", "ExpSmoothJax"): [("shape", E), ("tau", 0.1), ("dt", 1e-3), ("activation_fun", "*")],
    ("rockpool.nn.modules", "ExpSmoothJax"): [("shape", E), ("tau", 0.1)],
}


def _get(path, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # ExpSmoothJax is deprecated: it warns on import
        return getattr(importlib.import_module(path), name)


@pytest.mark.parametrize(("path", "name"), list(SIGNATURES), ids=lambda v: str(v))
def test_name_import_path_and_signature(path, name):
    obj = _get(path, name)
    expected = SIGNATURES[(path, name)]
    params = [p for p in inspect.signature(obj).parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    got = [(p.name, p.default) for p in params[: len(expected)]]
    for (n, d), (gn, gd) in zip(expected, got, strict=True):
        assert n == gn, f"{path}.{name}: parameter {gn!r} where {n!r} was expected"
        if d != "*":
            assert gd == d, f"{path}.{name}: default of {n} is {gd!r}, expected {d!r}"


def test_same_objects_behind_every_path_and_no_torch_warning():
    from rockpool.nn.modules import ButterFilter, LIFODEJax
    from rockpool.nn.modules.jax.lif_ode_jax import LIFODEJax as Direct
    from rockpool.nn.modules.native.filter_bank import ButterFilter as DirectFB
    from rockpool.transform import mismatch_generator
    from rockpool.transform.mismatch import mismatch_generator as direct_mg

    assert LIFODEJax is Direct and ButterFilter is DirectFB and mismatch_generator is direct_mg
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        importlib.reload(importlib.import_module("rockpool.training.ctc_loss"))  # no torch warning (ours)
    import rockpool.nn.modules as mods

    assert "ExpSmoothJax" not in mods.__all__ and {"LIFODEJax", "ButterFilter", "ButterMelFilter"} <= set(mods.__all__)


def test_lazy_import_keeps_rockpool_transform_light():
    import subprocess
    import sys

    code = ("import sys, rockpool.transform, rockpool.transform.quantize_methods; "
            "print('jax' in sys.modules, 'scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_torch_only_names_exist_and_raise_on_use():
    from rockpool.nn.modules import LowPass
    from rockpool.transform import torch_transform

    with pytest.raises(ModuleNotFoundError, match="Missing the 'torch' backend. 'LowPass' objects"):
        LowPass(3)
    for name in torch_transform.__all__:
        with pytest.raises(ModuleNotFoundError, match="torch"):
            getattr(torch_transform, name)()
    with pytest.raises(ModuleNotFoundError, match="torch"):  # api.md 5.6: the import itself raises
        import rockpool.training.torch_loss  # noqa: F401
