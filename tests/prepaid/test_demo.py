from io import StringIO

from django.core.management import call_command

from meterops.prepaid.models import FeeSchedule, MeterStock, PaymentChannel
from meterops.vending.models import VendingKey


class SeedPrepaidDemoTests:
    def test_seeds_test_keys_fees_and_stock_once(self, cast):
        for _ in range(2):
            call_command("seed_prepaid_demo", stdout=StringIO())
        assert FeeSchedule.objects.count() == 8
        assert set(VendingKey.objects.values_list("is_test_key", flat=True)) == {True}
        assert MeterStock.objects.filter(unit=cast.sp_a, is_nfc=True).count() == 5
        assert PaymentChannel.authenticate("kanal-demo").code == "DEMO"
