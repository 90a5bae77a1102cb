"""The command-line interface: parsing and printing only; the work is done by the Workspace."""
