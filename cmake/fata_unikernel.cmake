# Helpers for generated unikernel projects.
