"""The back office's pages, one module per subject; each handler parses, calls one function, renders."""
