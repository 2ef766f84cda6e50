"""Dated data files of billing's rules that are not tariffs (the public holidays' calendar)."""
