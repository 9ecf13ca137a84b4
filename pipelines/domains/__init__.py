"""Per-domain transforms: procurement (OCDS), and later budget and service KPIs."""
