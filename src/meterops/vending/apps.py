from django.apps import AppConfig


class VendingConfig(AppConfig):
    """The one vending-key store, below the domains that make tokens with it (prepaid,
    keychange, complaints)."""

    name = "meterops.vending"
    label = "vending"
    verbose_name = "Kunci Vending"

    def ready(self) -> None:
        from meterops.core.demo import DemoBuilder, register_demo_builder
        from meterops.core.restore import RestoreCheck, register_restore_check
        from meterops.core.scoping import register_scope

        from . import demo, restore

        register_scope("vending.VendingKey", "unit")
        register_demo_builder(DemoBuilder(50, demo.build_demo))
        register_restore_check(
            RestoreCheck(
                "vending_token", restore.record_vending_token, restore.compare_vending_token
            )
        )
