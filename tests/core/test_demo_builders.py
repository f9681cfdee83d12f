from meterops.core.demo import demo_builders


def test_each_domain_registers_its_demo_builder_in_the_declared_order():
    modules = [builder.build.__module__ for builder in demo_builders()]
    assert modules == [
        "meterops.customers.demo",
        "meterops.replacement.demo",
        "meterops.reading.demo",
        "meterops.prepaid.demo",
        "meterops.vending.demo",
        "meterops.keychange.demo",
        "meterops.fieldwork.demo",
        "meterops.complaints.demo",
    ]
