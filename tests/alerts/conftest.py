from tests.orders.conftest import shop  # noqa: F401
