"""The web layer: blueprints by user-facing area. Views parse, authorise through roadmap.policy, call a
service and render."""
