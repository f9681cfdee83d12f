from django.urls import reverse

from tests.factories import CustomerFactory, MeterFactory

URL = reverse("customers:customer_list")


class CustomerSearchTests:
    def test_finds_by_idpel(self, cast, client_for, customer_a):
        response = client_for(cast.officer).get(URL, {"q": customer_a.customer_id})
        assert list(response.context["page"]) == [customer_a]

    def test_finds_by_meter_number(self, cast, client_for, customer_a):
        MeterFactory(customer=customer_a, meter_number="45123456789")
        response = client_for(cast.officer).get(URL, {"q": "45123456789"})
        assert list(response.context["page"]) == [customer_a]

    def test_finds_by_name_case_insensitive(self, cast, client_for, customer_a):
        response = client_for(cast.officer).get(URL, {"q": "sunandar"})
        assert list(response.context["page"]) == [customer_a]

    def test_other_unit_customer_is_never_found(self, cast, client_for, customer_b):
        client = client_for(cast.officer)
        for query in (customer_b.customer_id, "BUDI HARTONO"):
            response = client.get(URL, {"q": query})
            assert list(response.context["page"]) == []
            assert "Tidak ada pelanggan yang cocok" in response.content.decode()

    def test_an_idpel_prefix_finds_exactly_the_idpels_that_start_with_it(self, cast, client_for):
        # The prefix is also a range (customers.queries.idpel_prefix): its edges, a last digit
        # 9 that carries, all nines, and IDPELs just outside.
        idpels = ["514129999999", "514130000000", "514139999999", "514140000000", "999999999999"]
        for idpel in idpels:
            CustomerFactory(unit=cast.sp_a, customer_id=idpel)
        client = client_for(cast.officer)

        def found(query):
            page = client.get(URL, {"q": query}).context["page"]
            return [c.customer_id for c in page]

        assert found("51413") == ["514130000000", "514139999999"]
        assert found("51412999") == ["514129999999"]
        assert found("5141399999") == ["514139999999"]
        assert found("999") == ["999999999999"]
        assert found("514140000000") == ["514140000000"]
        assert found("61") == []

    def test_empty_search_explains_what_to_type(self, cast, client_for):
        response = client_for(cast.officer).get(URL, {"q": "  "})
        assert "Masukkan IDPEL, nomor meter, atau nama" in response.content.decode()

    def test_too_short_name_is_explained(self, cast, client_for):
        response = client_for(cast.officer).get(URL, {"q": "ab"})
        assert "minimal 3 huruf" in response.content.decode()

    def test_list_query_count_does_not_grow_with_rows(
        self, cast, client_for, django_assert_max_num_queries
    ):
        for customer in CustomerFactory.create_batch(20, unit=cast.sp_a, name="SAMA NAMA"):
            MeterFactory(customer=customer)
        client = client_for(cast.officer)
        with django_assert_max_num_queries(12):
            client.get(URL, {"q": "SAMA"})


class CustomerDetailTests:
    def test_shows_customer_of_own_unit(self, cast, client_for, customer_a):
        url = reverse("customers:customer_detail", args=[customer_a.pk])
        assert customer_a.name in client_for(cast.officer).get(url).content.decode()

    def test_other_unit_customer_is_404(self, cast, client_for, customer_b):
        url = reverse("customers:customer_detail", args=[customer_b.pk])
        assert client_for(cast.officer).get(url).status_code == 404

    def test_contractor_sees_customers_of_its_units(self, cast, client_for, customer_a):
        url = reverse("customers:customer_detail", args=[customer_a.pk])
        assert client_for(cast.vendor_a).get(url).status_code == 200
        assert client_for(cast.vendor_b).get(url).status_code == 404
