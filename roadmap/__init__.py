"""Digital-transformation survey and roadmap service for central government offices."""
