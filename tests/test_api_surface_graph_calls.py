"""Public surface of api.md §4 (rockpool.graph) and §5 (module call conventions): every listed
name exists at each listed import path, with the listed signature. Behaviour is tested in
test_graph_api.py and test_call_conventions.py."""

import importlib
import inspect
import sys

import pytest

_REQUIRED = inspect.Parameter.empty


def _obj(path):
    """``"pkg.mod:Name.attr"`` -> the object."""
    mod_path, _, attr = path.partition(":")
    obj = importlib.import_module(mod_path)
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj


def _params(obj):
    return [(p.name, p.default, p.kind) for p in inspect.signature(obj).parameters.values()]


# ----------------------------------------------------------------------------------- §4 graph
GRAPH_NAMES = {
    "graph_base": ["GraphModuleBase", "GraphModule", "GraphNode", "GraphHolder", "as_GraphHolder", "SetList"],
    "graph_modules": [
        "LinearWeights",
        "GenericNeurons",
        "AliasConnection",
        "LIFNeuronWithSynsRealValue",
        "RateNeuronWithSynsRealValue",
    ],
    "utils": ["connect_modules", "bag_graph", "find_modules_of_subclass", "replace_module", "find_recurrent_modules"],
}


@pytest.mark.parametrize("submodule", list(GRAPH_NAMES))
def test_graph_names_at_both_paths(submodule):
    graph = importlib.import_module("rockpool.graph")
    sub = importlib.import_module(f"rockpool.graph.{submodule}")
    assert getattr(graph, submodule) is sub  # the submodules are attributes of the package
    for name in GRAPH_NAMES[submodule]:
        assert name in graph.__all__, name
        assert getattr(graph, name) is getattr(sub, name), name


# - (object path, leading parameters as (name, default or _REQUIRED))
GRAPH_SIGNATURES = [
    ("rockpool.graph:SetList", [("iterable", ())]),
    ("rockpool.graph:GraphNode", [("source_modules", None), ("sink_modules", None)]),
    (
        "rockpool.graph:GraphModuleBase",
        [("input_nodes", _REQUIRED), ("output_nodes", _REQUIRED), ("name", _REQUIRED), ("computational_module", _REQUIRED)],
    ),
    (
        "rockpool.graph:GraphModule._factory",
        [("size_in", _REQUIRED), ("size_out", _REQUIRED), ("name", None), ("computational_module", None)],
    ),
    ("rockpool.graph:GraphModule._convert_from", [("mod", _REQUIRED)]),
    ("rockpool.graph:GraphNode.add_source", [("self", _REQUIRED), ("module", _REQUIRED)]),
    ("rockpool.graph:as_GraphHolder", [("g", _REQUIRED)]),
    (
        "rockpool.graph:LinearWeights",
        [("input_nodes", _REQUIRED), ("output_nodes", _REQUIRED), ("name", _REQUIRED),
         ("computational_module", _REQUIRED), ("weights", _REQUIRED), ("biases", None)],
    ),
    (
        "rockpool.graph:connect_modules",
        [("source", _REQUIRED), ("dest", _REQUIRED), ("source_indices", None), ("dest_indices", None)],
    ),
    ("rockpool.graph:bag_graph", [("graph", _REQUIRED), ("nodes_bag", None), ("modules_bag", None)]),
    ("rockpool.graph:find_modules_of_subclass", [("graph", _REQUIRED), ("cls", _REQUIRED)]),
    ("rockpool.graph:find_recurrent_modules", [("graph", _REQUIRED)]),
    ("rockpool.graph:replace_module", [("target", _REQUIRED), ("replacement", _REQUIRED)]),
]


@pytest.mark.parametrize("path, expected", GRAPH_SIGNATURES, ids=[p for p, _ in GRAPH_SIGNATURES])
def test_graph_signatures(path, expected):
    params = _params(_obj(path))
    got = [(n, d) for n, d, _ in params[: len(expected)]]
    # - dataclass list fields default through a factory; compare the name and "required or not"
    for (name, default), (gname, gdefault) in zip(expected, got, strict=True):
        assert gname == name, (path, got)
        if default is _REQUIRED or gdefault is _REQUIRED:
            assert gdefault is default, (path, name)
        elif default is not None:
            assert gdefault == default, (path, name)


def test_graph_methods_and_field_defaults():
    from rockpool.graph import (
        GraphModule,
        GraphModuleBase,
        GraphNode,
        LIFNeuronWithSynsRealValue,
        RateNeuronWithSynsRealValue,
        SetList,
    )

    for name in ("add_source", "add_sink", "remove_source", "remove_sink"):
        assert callable(getattr(GraphNode, name))
    for name in ("add_input", "add_output", "remove_input", "remove_output", "clear_inputs", "clear_outputs", "_factory"):
        assert callable(getattr(GraphModuleBase, name)) and callable(getattr(GraphModule, name))
    assert isinstance(inspect.getattr_static(GraphModule, "_convert_from"), classmethod)
    assert callable(SetList.add) and issubclass(SetList, list)
    lif = LIFNeuronWithSynsRealValue._factory(2, 2, "lif")
    assert (lif.tau_mem, lif.tau_syn, lif.threshold, lif.bias, lif.dt) == ([], [], [], [], None)
    rate = RateNeuronWithSynsRealValue._factory(2, 2, "rate")
    assert (rate.tau, rate.bias, rate.dt) == ([], [], None)
    # - the Rockpool field order, so positional extra arguments of _factory land in the right place
    assert [f for f, *_ in _params(LIFNeuronWithSynsRealValue)][4:9] == ["tau_mem", "tau_syn", "threshold", "bias", "dt"]
    assert [f for f, *_ in _params(RateNeuronWithSynsRealValue)][4:7] == ["tau", "bias", "dt"]


# ------------------------------------------------------------------------- §5 call conventions
MODULE_NAMES = [
    "Module", "JaxModule", "Rate", "RateJax", "Linear", "LinearJax", "Instant", "InstantJax", "ExpSyn",
    "ExpSynJax", "LIF", "LIFJax", "SoftmaxJax", "LogSoftmaxJax", "to_nir", "from_nir",
]
SHIM_NAMES = [
    "TorchModule", "LinearTorch", "LIFTorch", "ExpSynTorch", "RateTorch", "InstantTorch", "LIFBitshiftTorch",
    "LIFNeuronTorch", "aLIFTorch", "UpDownTorch", "LIFSinabs", "LIFExodus", "LIFMembraneExodus",
    "ExpSynExodus", "LIFSlayer",
]


@pytest.mark.parametrize("name", MODULE_NAMES + SHIM_NAMES)
def test_names_in_nn_modules(name):
    mods = importlib.import_module("rockpool.nn.modules")
    assert name in mods.__all__ and name in dir(mods)
    assert getattr(mods, name) is not None


def test_nir_functions_are_the_graph_ones():
    import rockpool.graph.nir as nir_mod
    import rockpool.nn.modules as mods

    assert mods.to_nir is nir_mod.to_nir and mods.from_nir is nir_mod.from_nir


def test_combinator_names_and_paths():
    comb = importlib.import_module("rockpool.nn.combinators")
    for name in ("Sequential", "Residual", "FFwdStack", "JaxResidual", "ModResidual", "TorchModule", "TorchResidual"):
        assert name in comb.__all__ and getattr(comb, name) is not None, name
    seq = importlib.import_module("rockpool.nn.combinators.sequential")
    for name in ("TorchSequential", "SequentialMixin", "Sequential", "JaxSequential", "ModSequential"):
        assert getattr(seq, name) is not None, name
    assert "TorchSequential" not in comb.__all__ and not hasattr(comb, "TorchSequential")
    assert importlib.import_module("rockpool.nn.combinators.ffwd_stack").TorchFFwdStack is not None
    assert importlib.import_module("rockpool.nn.combinators.residual").TorchResidual is comb.TorchResidual


LINEAR_PARAMS = [
    ("shape", None), ("weight", None), ("bias", None), ("has_bias", False), ("weight_init_func", None),
    ("bias_init_func", None),
]


@pytest.mark.parametrize("cls_name", ["Linear", "LinearJax"])
def test_linear_signature(cls_name):
    from rockpool.nn.modules.native.linear import kaiming, uniform_sqrt

    params = _params(getattr(importlib.import_module("rockpool.nn.modules"), cls_name))
    assert [p[0] for p in params[:6]] == [n for n, _ in LINEAR_PARAMS]
    defaults = [p[1] for p in params[:6]]
    assert defaults[:4] == [None, None, None, False]
    assert defaults[4] is kaiming and defaults[5] is uniform_sqrt
    assert {"spiking_input", "spiking_output"} <= {p[0] for p in params}


def test_expsyn_signatures():
    from rockpool.nn.modules import ExpSyn, ExpSynJax

    jax_params = [(n, d) for n, d, _ in _params(ExpSynJax)]
    assert jax_params == [
        ("shape", None), ("tau", None), ("noise_std", 0.0), ("dt", 1e-3), ("rng_key", None),
        ("spiking_input", True), ("spiking_output", False),
    ]
    np_params = dict((n, d) for n, d, _ in _params(ExpSyn))
    assert np_params["noise_std"] == 0.0 and np_params["max_window_length"] == 1e6


BACKEND_SIGNATURES = [
    ("backend_available", ["backend_names"]),
    ("list_backends", []),
    ("missing_backend_shim", ["class_name", "backend_name"]),
    ("missing_backend_error", ["class_name", "backend_name"]),
    ("check_backend", ["backend_name"]),
]


@pytest.mark.parametrize("name, leading", BACKEND_SIGNATURES, ids=[n for n, _ in BACKEND_SIGNATURES])
def test_backend_management_names(name, leading):
    bm = importlib.import_module("rockpool.utilities.backend_management")
    assert name in bm.__all__
    params = _params(getattr(bm, name))
    assert [p[0] for p in params[: len(leading)]] == leading
    if name == "backend_available":
        assert params[0][2] is inspect.Parameter.VAR_POSITIONAL


def test_torch_loss_is_missing_but_training_imports():
    importlib.import_module("rockpool.training")
    with pytest.raises(ModuleNotFoundError, match="torch"):
        importlib.import_module("rockpool.training.torch_loss")
    assert "rockpool.training.torch_loss" not in sys.modules


# ----------------------------------------------------------------------------- §5.7 jax_debug
JAX_DEBUG_SIGNATURES = [
    ("flatten", [("generic_collection", _REQUIRED), ("sep", "_")]),
    ("debug_evolution", [("jmod", _REQUIRED), ("state", _REQUIRED), ("parameters", _REQUIRED), ("input", _REQUIRED)]),
    (
        "debug_optimisation",
        [("jmod", _REQUIRED), ("parameters", _REQUIRED), ("input", _REQUIRED), ("target", _REQUIRED),
         ("vgf_loss", _REQUIRED)],
    ),
]


@pytest.mark.parametrize("name, expected", JAX_DEBUG_SIGNATURES, ids=[n for n, _ in JAX_DEBUG_SIGNATURES])
def test_jax_debug_names(name, expected):
    jd = importlib.import_module("rockpool.training.jax_debug")
    assert name in jd.__all__
    assert [(n, d) for n, d, _ in _params(getattr(jd, name))] == expected
    assert importlib.import_module("rockpool.training").jax_debug is jd


def test_as_graph_and_setlist_methods_exist():
    from rockpool.graph import SetList
    from rockpool.nn.modules import Module

    assert _params(Module.as_graph) == [("self", _REQUIRED, inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    for name in ("append", "extend", "add"):
        assert callable(getattr(SetList, name)), name
