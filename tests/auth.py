"""Signing up, signing in and being invited to a role, as a client does: for the tests of accounts,
of invitations, and of anything else that starts from an account made through the API."""

REGISTER = "/api/v1/auth/register"
TOKEN = "/api/v1/auth/token"


def register(client, email="li.hua@example.test", password="correct horse 1", name="李华"):
    return client.post(REGISTER, json={"email": email, "password": password, "display_name": name})


def login(client, email="li.hua@example.test", password="correct horse 1", **kwargs):
    return client.post(TOKEN, json={"email": email, "password": password}, **kwargs)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def invite_to_agency(client, admin, agency, email, role="approver"):
    return client.post(
        f"/api/v1/agencies/{agency.id}/members", json={"email": email, "role": role}, headers=admin
    )
