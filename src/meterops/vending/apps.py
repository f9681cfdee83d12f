from django.apps import AppConfig


class VendingConfig(AppConfig):
    """The one vending-key store, below the domains that make tokens with it (prepaid,
    keychange, complaints)."""

    name = "meterops.vending"
    label = "vending"
    verbose_name = "Kunci Vending"

    def ready(self) -> None:
        from meterops.core.demo import DemoBuilder, register_demo_builder
        from meterops.core.scoping import register_scope

        from . import demo

        register_scope("vending.VendingKey", "unit")
        register_demo_builder(DemoBuilder(50, demo.build_demo))
