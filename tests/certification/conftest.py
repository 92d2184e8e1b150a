"""The people of a Chongqing certification (a supplier's member, the officers of its county, of the
municipality and of another county, an admin) and the member's product."""

import pytest

from tests.factories import ProductFactory, SupplierFactory


@pytest.fixture
def people(make_user):
    member, member_headers = make_user()
    return {
        "member": member,
        "member_headers": member_headers,
        "county": make_user(("region_officer", "500236"))[1],
        "municipality": make_user(("region_officer", "500000"))[1],
        "other_county": make_user(("region_officer", "500238"))[1],
        "admin": make_user(("admin", None))[1],
    }


@pytest.fixture
def product(people):
    return ProductFactory(name="奉节脐橙", supplier=SupplierFactory(members=[people["member"]]))
