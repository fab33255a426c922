"""Placeholders for the Rockpool module classes of backends that rockpool does not provide.

rockpool computes with NumPy and JAX; the torch, sinabs, sinabs-exodus and slayer module classes
of the Rockpool API exist here only as placeholders (see
:func:`rockpool.utilities.backend_management.missing_backend_shim`): they can be imported,
subclassed and used in ``isinstance`` tests (always ``False``); instantiating one raises a
``ModuleNotFoundError`` that names the missing backend.

Example:
    >>> from rockpool.nn.modules import LIFTorch
    >>> LIFTorch(4)
    Traceback (most recent call last):
    ...
    ModuleNotFoundError: Missing the `torch` backend. `LIFTorch` objects, and others relying on `torch` are not available.
"""

from rockpool.utilities.backend_management import missing_backend_shim

# - Class name -> the backend it needs
BACKENDS = {
    "TorchModule": "torch",
    "LinearTorch": "torch",
    "LIFTorch": "torch",
    "ExpSynTorch": "torch",
    "RateTorch": "torch",
    "InstantTorch": "torch",
    "LIFBitshiftTorch": "torch",
    "LIFNeuronTorch": "torch",
    "aLIFTorch": "torch",
    "UpDownTorch": "torch",
    "LIFSinabs": "sinabs",
    "LIFExodus": "sinabs-exodus",
    "LIFMembraneExodus": "sinabs-exodus",
    "ExpSynExodus": "sinabs-exodus",
    "LIFSlayer": "slayer",
}

__all__ = list(BACKENDS)

globals().update({name: missing_backend_shim(name, backend) for name, backend in BACKENDS.items()})
