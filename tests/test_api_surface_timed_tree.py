"""Every public name of api.md §2 (timed modules) and §3 (tree utilities) exists at each listed import
path with the listed signature (parameter names, kinds and defaults)."""

import importlib
import inspect
import math

import jax.numpy as jnp
import pytest

# - (import path, attribute path, signature as written in the spec; None: only existence is checked)
SPEC = [
    # §2.1 / 2.2 timed modules
    ("rockpool.nn.modules.timed_module", "TimedModule", "(dt, spiking_input=False, spiking_output=False, add_events=True, *args, **kwargs)"),
    ("rockpool.nn.modules.timed_module", "TimedModule.evolve", "(ts_input=None, duration=None, num_timesteps=None, kwargs_timeseries=None, record=False, *args, **kwargs)"),
    ("rockpool.nn.modules.timed_module", "TimedModule.__call__", "(ts_input=None, duration=None, num_timesteps=None, kwargs_timeseries=None, record=False, *args, **kwargs)"),
    ("rockpool.nn.modules.timed_module", "TimedModule.reset_time", "()"),
    ("rockpool.nn.modules.timed_module", "TimedModule.reset_all", "()"),
    ("rockpool.nn.modules.timed_module", "TimedModule.reset_state", "()"),
    ("rockpool.nn.modules.timed_module", "TimedModule.set_attributes", None),
    ("rockpool.nn.modules.timed_module", "TimedModule.timed", "(output_num=0, dt=None, add_events=False)"),
    ("rockpool.nn.modules.timed_module", "TimedModule.t", None),
    ("rockpool.nn.modules.timed_module", "TimedModule.input_type", None),
    ("rockpool.nn.modules.timed_module", "TimedModule.output_type", None),
    ("rockpool.nn.modules.timed_module", "TimedModule._determine_timesteps", "(ts_input=None, duration=None, num_timesteps=None)"),
    ("rockpool.nn.modules.timed_module", "TimedModule._gen_time_trace", "(t_start, num_timesteps)"),
    ("rockpool.nn.modules.timed_module", "TimedModule._prepare_input", "(ts_input=None, duration=None, num_timesteps=None)"),
    ("rockpool.nn.modules.timed_module", "TimedModule._gen_timeseries", "(output, **kwargs)"),
    ("rockpool.nn.modules.timed_module", "TimedModule._gen_tscontinuous", "(output, dt=None, t_start=None, name=None, periodic=False, interp_kind='previous')"),
    ("rockpool.nn.modules.timed_module", "TimedModule._gen_tsevent", "(output, dt=None, t_start=None, name=None, periodic=False, num_channels=None, spikes_at_bin_start=False)"),
    # §2.3 wrapper
    ("rockpool.nn.modules.timed_module", "TimedModuleWrapper", "(module, output_num=0, dt=None, add_events=True, *args, **kwargs)"),
    ("rockpool.nn.modules.timed_module", "TimedModuleWrapper.evolve", "(ts_input=None, duration=None, num_timesteps=None, kwargs_timeseries=None, record=False, *args, **kwargs)"),
    ("rockpool.nn.modules.timed_module", "TimedModuleWrapper.module", None),
    ("rockpool.nn.modules.timed_module", "TimedModuleWrapper.reset_all", "()"),
    ("rockpool.nn.modules.timed_module", "TimedModuleWrapper.reset_time", "()"),
    ("rockpool.nn.modules.module", "Module.timed", "(output_num=0, dt=None, add_events=False)"),
    ("rockpool.nn.modules.module", "ModuleBase.timed", "(output_num=0, dt=None, add_events=False)"),
    # §2.4 v1 adapters
    ("rockpool.nn.modules.timed_module", "astimedmodule", "(v1_cls=None, parameters=None, states=None, simulation_parameters=None)"),
    ("rockpool.nn.modules.timed_module", "LayerToTimedModule", "(layer, parameters=None, states=None, simulation_parameters=None)"),
    ("rockpool.nn.layers", "Layer", "(weights, dt=1.0, noise_std=0.0, name='unnamed')"),
    # - re-exports
    ("rockpool.nn.modules", "TimedModule", None),
    ("rockpool.nn.modules", "TimedModuleWrapper", None),
    ("rockpool.nn.modules", "astimedmodule", None),
    # §3.1 tree_utils
    ("rockpool.utilities.tree_utils", "branches", "(tree, prefix=None)"),
    ("rockpool.utilities.tree_utils", "get_nested", "(tree, branch)"),
    ("rockpool.utilities.tree_utils", "set_nested", "(tree, branch, value, inplace=False)"),
    ("rockpool.utilities.tree_utils", "set_matching", "(full_tree, target_tree, value, inplace=False)"),
    ("rockpool.utilities.tree_utils", "set_matching_select", "(full_tree, target_tree, value, inplace=False)"),
    ("rockpool.utilities.tree_utils", "make_prototype_tree", "(full_tree, target_tree)"),
    ("rockpool.utilities.tree_utils", "tree_map", "(tree, f)"),
    ("rockpool.utilities.tree_utils", "tree_flatten", "(tree, leaves=None)"),
    ("rockpool.utilities.tree_utils", "tree_unflatten", "(treedef, leaves, leaves_tail=None)"),
    ("rockpool.utilities.tree_utils", "tree_update", "(target, additional, inplace=False)"),
    ("rockpool.utilities.tree_utils", "tree_find", "(tree)"),
    # §3.2 jax_tree_utils
    ("rockpool.utilities.jax_tree_utils", "tree_map_select", "(tree, prototype_tree, map_fun)"),
    ("rockpool.utilities.jax_tree_utils", "tree_map_select_with_rng", "(tree, prototype_tree, map_fun, rng_key)"),
    ("rockpool.utilities.jax_tree_utils", "tree_map_reduce_select", "(tree, protoype_tree, map_fun, reduce_fun, null=jnp.nan)"),
    ("rockpool.utilities.jax_tree_utils", "tree_map_with_rng", "(tree, map_fun, rng_key, *rest)"),
]

# - Every tree_utils name is also in jax_tree_utils (the same object)
TREE_NAMES = [
    "branches", "get_nested", "set_nested", "set_matching", "set_matching_select", "make_prototype_tree",
    "tree_map", "tree_flatten", "tree_unflatten", "tree_update", "tree_find",
]  # fmt: skip

ALL = {
    "rockpool.nn.modules.timed_module": ["TimedModule", "TimedModuleWrapper", "astimedmodule"],
    "rockpool.utilities.tree_utils": TREE_NAMES,
}


def _resolve(module: str, path: str):
    obj = importlib.import_module(module)
    for part in path.split("."):
        obj = inspect.getattr_static(obj, part) if inspect.isclass(obj) else getattr(obj, part)
    return obj


def _params(sig: inspect.Signature) -> list:
    out = []
    for p in sig.parameters.values():
        d = p.default
        if d is not inspect.Parameter.empty and isinstance(d, float) and math.isnan(d):
            d = "nan"
        out.append((p.name, p.kind, d))
    return out


def _expected(text: str) -> list:
    fn = eval(f"lambda {text[1:-1]}: None", {"jnp": jnp})  # noqa: S307 (our own literal table)
    sig = inspect.signature(fn)
    kinds = []
    for p in _params(sig):
        name, kind, d = p
        if kind is inspect.Parameter.POSITIONAL_OR_KEYWORD or kind is inspect.Parameter.POSITIONAL_ONLY:
            kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
        kinds.append((name, kind, d))
    return kinds


@pytest.mark.parametrize(("module", "path", "signature"), SPEC, ids=[f"{m}:{p}" for m, p, _ in SPEC])
def test_name_exists_with_the_listed_signature(module, path, signature):
    obj = _resolve(module, path)
    assert obj is not None
    if signature is None:
        return
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    target = obj.__init__ if inspect.isclass(obj) else obj
    got = _params(inspect.signature(target))
    if got and got[0][0] == "self":
        got = got[1:]
    assert got == _expected(signature), f"{module}.{path}: got {inspect.signature(target)}, spec {signature}"


@pytest.mark.parametrize("module", sorted(ALL))
def test_all_lists_the_documented_names(module):
    assert list(importlib.import_module(module).__all__) == ALL[module]


def test_reexports_are_the_same_objects():
    import rockpool.nn.modules as nm
    from rockpool.nn.modules import timed_module as tm
    from rockpool.utilities import jax_tree_utils as jtu
    from rockpool.utilities import tree_utils as tu

    for name in ALL["rockpool.nn.modules.timed_module"]:
        assert getattr(nm, name) is getattr(tm, name)
    for name in TREE_NAMES:
        assert getattr(jtu, name) is getattr(tu, name)
    assert "LayerToTimedModule" not in tm.__all__ and tm.LayerToTimedModule.__module__ == tm.__name__


def test_every_module_class_has_timed():
    from rockpool.nn.combinators import Sequential
    from rockpool.nn.modules import LIF, LinearJax, Rate, TimedModuleWrapper

    for mod in (Rate(2), LIF(2), Sequential(Rate(2), Rate(2))):
        assert isinstance(mod.timed(), TimedModuleWrapper)
    assert isinstance(LinearJax((2, 2)).timed(dt=1e-3), TimedModuleWrapper)
