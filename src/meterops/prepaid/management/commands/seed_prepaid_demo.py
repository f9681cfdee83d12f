from django.core.management.base import BaseCommand

from meterops.prepaid.demo import DEMO_CHANNEL_TOKEN, seed_prepaid_demo


class Command(BaseCommand):
    help = "Isi data demo layanan prabayar: tabel biaya, kunci UJI, stok meter, kanal DEMO."

    def handle(self, *args, **options):
        made = seed_prepaid_demo()
        self.stdout.write(
            f"Tabel biaya {made['fees']} baris, kunci uji di {made['regions']} UID, "
            f"{made['meters']} meter stok (NFC: nomor 32…, keypad: 14…). "
            f"Kanal pembayaran DEMO, token: {DEMO_CHANNEL_TOKEN}"
        )
