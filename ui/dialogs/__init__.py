"""Modal dialogs of the desktop application."""
