"""Warning categories of the library (NumPy-only, importable from anywhere without cycles)."""

__all__ = ["RockpoolWarning"]


class RockpoolWarning(UserWarning):
    """Warnings about risky configurations (e.g. a time constant too short for ``dt``)."""
