"""
test_staff.py — staff roles: the set-up command `heraldd admin grant`, the admin API
(GET/PUT /v1/admin/staff, GET /v1/admin/audit) and who may call it.
"""
import subprocess

from helpers import heraldd_path


def grant(server, username, role, expect_rc=0):
    p = subprocess.run([heraldd_path(), "admin", "grant", username, role, "--data",
                        server.data_dir], capture_output=True, text=True, timeout=30)
    assert p.returncode == expect_rc, (p.returncode, p.stdout, p.stderr)
    return p


def make_admin(server, user):
    c = user("adm")
    grant(server, c.username, "admin")
    return c


def test_setup_grant_while_server_runs(server, user):
    a = user("adm")
    p = grant(server, a.username, "admin")
    assert "none -> admin" in p.stdout
    # the running server sees the role on the next request
    staff = a.call("GET", "/v1/admin/staff")["staff"]
    me = [s for s in staff if s["username"] == a.username]
    assert me and me[0]["role"] == "admin" and me[0]["granted_by"] == 0


def test_setup_grant_errors(server, user):
    p = grant(server, "no_such_user_zz", "admin", expect_rc=1)
    assert "no such user" in p.stderr
    grant(server, "whoever", "overlord", expect_rc=2)
    p = subprocess.run([heraldd_path(), "admin", "grant", "x"], capture_output=True, text=True)
    assert p.returncode == 2 and "usage" in p.stderr


def test_non_admin_forbidden(server, user):
    u = user("plain")
    u.fail("GET", "/v1/admin/staff", 403, "forbidden")
    u.fail("PUT", f"/v1/admin/staff/{u.username}", 403, "forbidden", body={"role": "admin"})
    server.client().fail("GET", "/v1/admin/staff", 401, "unauthorized")
    # a moderator is staff but not admin
    m = user("mod")
    grant(server, m.username, "moderator")
    m.fail("PUT", f"/v1/admin/staff/{u.username}", 403, "forbidden", body={"role": "moderator"})
    m.fail("GET", "/v1/admin/audit", 403, "forbidden")


def test_admin_grants_and_revokes_with_audit(server, user):
    a = make_admin(server, user)
    t = user("target")
    r = a.call("PUT", f"/v1/admin/staff/{t.username}", {"role": "senior_moderator"})
    assert r == {"user_id": t.id, "username": t.username, "role": "senior_moderator",
                 "before": "none"}
    staff = {s["username"]: s for s in a.call("GET", "/v1/admin/staff")["staff"]}
    assert staff[t.username]["role"] == "senior_moderator"
    assert staff[t.username]["granted_by"] == a.id
    r = a.call("PUT", f"/v1/admin/staff/{t.username}", {"role": "none"})
    assert r["before"] == "senior_moderator" and r["role"] == "none"
    staff = {s["username"] for s in a.call("GET", "/v1/admin/staff")["staff"]}
    assert t.username not in staff
    recs = a.call("GET", "/v1/admin/audit", params={"subject": f"user:{t.id}"})["records"]
    assert [(x["kind"], x["actor_id"], x["before"], x["after"]) for x in recs] == [
        ("staff.grant", a.id, "none", "senior_moderator"),
        ("staff.grant", a.id, "senior_moderator", "none")]
    assert recs[0]["id"] < recs[1]["id"]


def test_admin_put_validation(server, user):
    a = make_admin(server, user)
    a.fail("PUT", "/v1/admin/staff/nobody_here_zz", 404, "user_not_found",
           body={"role": "moderator"})
    a.fail("PUT", f"/v1/admin/staff/{a.username}", 400, "bad_field", body={"role": "king"})
    a.fail("PUT", f"/v1/admin/staff/{a.username}", 400, "bad_field", body={})


def test_last_admin_cannot_demote_self(make_server, tmp_path):
    s = make_server()
    c = s.new_user("solo")
    grant(s, c.username, "admin")
    c.fail("PUT", f"/v1/admin/staff/{c.username}", 409, "conflict", body={"role": "none"})
    d = s.new_user("second")
    c.call("PUT", f"/v1/admin/staff/{d.username}", {"role": "admin"})
    c.call("PUT", f"/v1/admin/staff/{c.username}", {"role": "moderator"})
    c.fail("GET", "/v1/admin/staff", 403, "forbidden")
    # roles survive a restart
    s.restart()
    staff = {x["username"]: x["role"] for x in d.call("GET", "/v1/admin/staff")["staff"]}
    assert staff[c.username] == "moderator" and staff[d.username] == "admin"
