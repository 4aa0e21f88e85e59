"""flashpanel: a self-hostable backend for a digital-services reseller panel."""

__version__ = "0.1.0"
