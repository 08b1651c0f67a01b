"""Template filters of the page layer."""
