from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "meterops.customers"
    label = "customers"
    verbose_name = "Pelanggan (DIL)"

    def ready(self):
        from meterops.core.demo import DemoBuilder, register_demo_builder
        from meterops.core.directory import CustomerDirectory, register_customer_directory
        from meterops.imports.registry import register_template

        from . import demo
        from .queries import customer_count_by_unit, find_customer_for, visible_customers
        from .uploads import DIL_UPLOAD

        register_template(DIL_UPLOAD)
        register_customer_directory(
            CustomerDirectory(
                find=find_customer_for,
                count_by_unit=customer_count_by_unit,
                visible=visible_customers,
            )
        )
        register_demo_builder(DemoBuilder(10, demo.build_demo, present=demo.demo_present))
