from tests.orders.conftest import shop  # noqa: F401
from tests.procurement.conftest import desk  # noqa: F401
