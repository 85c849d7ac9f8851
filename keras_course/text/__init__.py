"""Planned chapter; see ../shared/ARCHITECTURE.md."""
