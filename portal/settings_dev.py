"""Settings of `make run`: the real settings plus the development tools (the demo commands, which
import the ECL emulator). Production uses portal.settings, which never installs them."""

from portal.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]  # noqa: F405
