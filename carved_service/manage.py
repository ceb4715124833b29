"""Django's management commands for the service: ``python -m carved_service.manage migrate``."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carved_service.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
