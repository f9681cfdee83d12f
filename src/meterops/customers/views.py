from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from .forms import CustomerSearchForm
from .queries import get_customer_for, search_customers


@login_required
def customer_list(request):
    form = CustomerSearchForm(request.GET or None)
    page = None
    if form.is_valid():
        results = search_customers(request.user, form.cleaned_data["q"])
        page = Paginator(results, 25).get_page(request.GET.get("page"))
    return render(request, "customers/customer_list.html", {"form": form, "page": page})


@login_required
def customer_detail(request, pk):
    customer = get_customer_for(request.user, pk)
    meters = customer.meters.order_by("removed_at", "-installed_at")
    history = customer.history.select_related("history_user").order_by("-history_date")[:20]
    return render(
        request,
        "customers/customer_detail.html",
        {"customer": customer, "meters": meters, "history": history},
    )
