"""Roadmaps: planning, the consultants' edits, the roadmap in words and as files."""
