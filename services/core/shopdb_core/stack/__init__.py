"""The local stack: NATS, every enabled service and Traefik on one machine, under one command.

`shopdb up` (see `supervisor.py`) is the embedded default of DESIGN.md "Running it"; the other
`shopdb` commands (`migrate`, `seed`, `services ...`) share the same layout and settings.
"""
