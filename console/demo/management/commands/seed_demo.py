"""Create the demo world (console/demo/world.py); with --reset, put it back as seeded."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from console.demo import world


class Command(BaseCommand):
    """Create (or with --reset recreate) the demo world; a second run changes nothing."""

    help = "Create the demo world of tenants, images, shares and vaults (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        """--reset, --force, --if-demo, --if-absent."""
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Put the demo world back as seeded, with the same IDs.",
        )
        parser.add_argument(
            "--force", action="store_true", help="Seed even where DJANGO_DEMO is false."
        )
        parser.add_argument(
            "--if-demo",
            action="store_true",
            help="Where DJANGO_DEMO is false, say so and do nothing instead of failing.",
        )
        parser.add_argument(
            "--if-absent",
            action="store_true",
            help="Do nothing where the demo world is there already, even changed.",
        )

    def handle(
        self,
        *args: Any,
        reset: bool = False,
        force: bool = False,
        if_demo: bool = False,
        if_absent: bool = False,
        **options: Any,
    ) -> None:
        """Seed, or reset, the demo world."""
        if not settings.DEMO and not force and if_demo:
            self.stdout.write("DJANGO_DEMO is false: no demo world is seeded.")
            return
        if not settings.DEMO and not force:
            # Its users share one published password: not for an install that is no demo.
            raise CommandError(
                "DJANGO_DEMO is false: this is not a demo install, so seed_demo does not run. "
                "Use --force to seed the demo world (and its published password) anyway."
            )
        if reset:
            seconds = world.reset()
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo world reset in {seconds:.1f} s. Password: {world.PASSWORD}"
                )
            )
            return
        if if_absent and world.present():
            self.stdout.write("The demo world is there already: kept as it is.")
            return
        world.seed()
        self.stdout.write(self.style.SUCCESS("Demo world ready. Password: " + world.PASSWORD))
