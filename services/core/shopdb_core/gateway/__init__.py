"""The gateway's route source (Traefik's HTTP provider) and the answer for unrouted services."""
