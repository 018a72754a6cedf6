"""Demonstration data: the shipped framework, the central offices, accounts and a cycle in every state."""
