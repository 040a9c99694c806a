"""督办单: the supervision orders in the reader's reach, newest first, with filters."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from gridgov.events import supervision
from gridgov.events.models import Step

PER_PAGE = 50


class OrderFilterForm(forms.Form):
    department = forms.ChoiceField(label="被督办单位", required=False)
    step = forms.ChoiceField(
        label="超期环节", required=False, choices=[("", "全部")] + Step.choices
    )
    issued_from = forms.DateField(
        label="督办日期从", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    issued_to = forms.DateField(
        label="至", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, departments: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "全部")] + departments

    def criteria(self) -> supervision.OrderFilter:
        """The valid filters; a bad one is dropped and the others still apply."""
        data = self.cleaned_data
        department = data.get("department")
        return supervision.OrderFilter(
            department=int(department) if department else None,
            step=data.get("step", ""),
            issued_from=data.get("issued_from"),
            issued_to=data.get("issued_to"),
        )


@login_required
@require_GET
def orders(request: HttpRequest) -> HttpResponse:
    if not supervision.may_read_orders(request.user):
        raise PermissionDenied("您没有查看督办单的权限")
    form = OrderFilterForm(request.GET, departments=supervision.department_choices(request.user))
    form.is_valid()
    page = Paginator(supervision.orders(request.user, form.criteria()), PER_PAGE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    for order in page:
        order.light = order.event.light_at(now)
        order.step_label = Step(order.step).label if order.step in Step.values else order.step
    return render(request, "events/supervision_orders.html", {"form": form, "page": page})


urlpatterns = [path("events/supervision/", orders, name="supervision_orders")]
