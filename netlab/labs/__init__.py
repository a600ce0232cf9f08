"""The bundled labs: one YAML file each (shipped as the package netlab.labs)."""
