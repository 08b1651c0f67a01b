"""The ECL emulator's own tests: its apps and identity APIs, controls, faults, clock and CLI."""
