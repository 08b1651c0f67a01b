"""An in-process emulator of ECL's Keystone identity service and SkyWay apps API."""

__all__ = ["__version__"]

__version__ = "1.0"
