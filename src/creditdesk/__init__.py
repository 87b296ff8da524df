"""creditdesk."""
