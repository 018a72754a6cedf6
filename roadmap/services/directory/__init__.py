"""Who and what: accounts and passwords, API tokens, offices and consultant assignments, cycles."""
