"""Development tools: `make run`'s supervisor and demo people. Installed only by `make run`
(portal.settings_dev) and the tests, never by the production settings; it may import the ECL
emulator, and nothing in apps_admin imports it."""
