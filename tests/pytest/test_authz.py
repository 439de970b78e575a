"""Authorization matrix (docs/api.md conventions; src/chat/chats.h rules 1-3).

One world, built once per module on the shared server:
  O owner, A admin, M member of the private group G;
  the public channel C: O owner, A admin, S subscriber;
  the private chat P between O and M; X is an outsider with a group of its own (XG).
Every chat-scoped endpoint is tried by a logged-out caller (401), by the outsider on G and P
(404 chat_not_found, byte-identical to a chat id that does not exist), and the role rules
are checked per endpoint.
"""
import pytest

from helpers import Client, err_code, rid

NO_CHAT = 2**52 + 12345  # an id no test creates


@pytest.fixture(scope="module")
def world(server):
    w = {k: server.new_user(k.lower()) for k in ("O", "A", "M", "X", "S")}
    O, A, M, X, S = (w[k] for k in ("O", "A", "M", "X", "S"))
    G = O.create("group", "Private group")
    O.add(G["id"], A)
    O.add(G["id"], M)
    O.set_role(G["id"], A.id, "admin")
    cname = "c" + O.username[:24]
    C = O.create("channel", "Public channel", username=cname)
    A.join(cname)
    S.join(cname)
    O.set_role(C["id"], A.id, "admin")
    P = O.private(M)
    XG = X.create("group", "X's own")
    w.update(G=G["id"], C=C["id"], P=P["id"], XG=XG["id"])
    w["g_owner_msg"] = O.send(G["id"], "owner in G")["id"]
    w["g_member_msg"] = M.send(G["id"], "member in G")["id"]
    w["c_post"] = O.send(C["id"], "channel post")["id"]
    w["p_msg"] = O.send(P["id"], "private")["id"]
    w["xg_msg"] = X.send(XG["id"], "x's message")["id"]
    return w


# (name, method, path template, body factory(world) or None)
CHAT_ENDPOINTS = [
    ("get_chat", "GET", "/v1/chats/{chat}", None),
    ("leave", "POST", "/v1/chats/{chat}/leave", None),
    ("list_members", "GET", "/v1/chats/{chat}/members", None),
    ("add_member", "POST", "/v1/chats/{chat}/members", lambda w: {"username": w["X"].username}),
    ("remove_member", "DELETE", "/v1/chats/{chat}/members/{member}", None),
    ("set_role", "PATCH", "/v1/chats/{chat}/members/{member}", lambda w: {"role": "admin"}),
    ("read", "POST", "/v1/chats/{chat}/read", lambda w: {"max_id": 1}),
    ("send", "POST", "/v1/chats/{chat}/messages", lambda w: {"text": "x", "random_id": rid()}),
    ("forward_into", "POST", "/v1/chats/{chat}/forward",
     lambda w: {"from_chat_id": w["XG"], "message_id": w["xg_msg"], "random_id": rid()}),
    ("history", "GET", "/v1/chats/{chat}/messages", None),
    ("get_message", "GET", "/v1/chats/{chat}/messages/1", None),
    ("edit_message", "PATCH", "/v1/chats/{chat}/messages/1", lambda w: {"text": "hacked"}),
    ("delete_message", "DELETE", "/v1/chats/{chat}/messages/1", None),
    ("views", "POST", "/v1/chats/{chat}/views", lambda w: {"ids": [1]}),
    ("chat_difference", "GET", "/v1/chats/{chat}/difference?pts=0", None),
]
OTHER_ENDPOINTS = [
    ("open_private", "POST", "/v1/chats/private", lambda w: {"username": w["O"].username}),
    ("create_chat", "POST", "/v1/chats", lambda w: {"type": "group", "title": "t"}),
    ("dialogs", "GET", "/v1/chats", None),
    ("join", "POST", "/v1/chats/join", lambda w: {"username": "whatever"}),
    ("state", "GET", "/v1/updates/state", None),
    ("difference", "GET", "/v1/updates/difference?pts=0", None),
    ("ws_plain_get", "GET", "/v1/updates/ws", None),
    ("forward_out_of", "POST", "/v1/chats/{xg}/forward",
     lambda w: {"from_chat_id": w["G"], "message_id": 1, "random_id": rid()}),
]


def _path(tpl, w, chat):
    return tpl.format(chat=chat, member=w["M"].id, xg=w["XG"])


def _ids(table):
    return [e[0] for e in table]


@pytest.mark.parametrize("name,method,tpl,body", CHAT_ENDPOINTS + OTHER_ENDPOINTS,
                         ids=_ids(CHAT_ENDPOINTS + OTHER_ENDPOINTS))
@pytest.mark.parametrize("token", [None, "f" * 64], ids=["no_token", "unknown_token"])
def test_logged_out_gets_401(world, name, method, tpl, body, token):
    c = Client(world["O"].server)
    r = c.req(method, _path(tpl, world, world["G"]), body=body(world) if body else None,
              token=token)
    assert r.status_code == 401 and err_code(r) == "unauthorized", \
        f"{name}: {method} {tpl} -> {r.status_code} {r.text}"


@pytest.mark.parametrize("target", ["G", "P"])
@pytest.mark.parametrize("name,method,tpl,body", CHAT_ENDPOINTS, ids=_ids(CHAT_ENDPOINTS))
def test_outsider_sees_nothing(world, target, name, method, tpl, body):
    X = world["X"]
    b = body(world) if body else None
    hidden = X.req(method, _path(tpl, world, world[target]), body=b)
    missing = X.req(method, _path(tpl, world, NO_CHAT), body=b)
    assert missing.status_code == 404 and err_code(missing) == "chat_not_found", \
        f"{name} on a nonexistent chat: {missing.status_code} {missing.text}"
    assert hidden.status_code == 404 and err_code(hidden) == "chat_not_found", \
        f"{name} on {target} by an outsider: {hidden.status_code} {hidden.text}"
    assert hidden.json() == missing.json(), "the body reveals the chat exists"
    assert hidden.headers.get("Content-Length") == missing.headers.get("Content-Length")


def test_outsider_changed_nothing(world):
    O = world["O"]
    g = O.chat(world["G"])
    assert g["member_count"] == 3
    roles = {m["user_id"]: m["role"]
             for m in O.call("GET", f"/v1/chats/{world['G']}/members")["members"]}
    assert roles == {O.id: "owner", world["A"].id: "admin", world["M"].id: "member"}
    assert [m["text"] for m in O.history(world["G"])][-2:] == ["member in G", "owner in G"]
    assert [m["text"] for m in O.history(world["P"])][-1] == "private"


@pytest.mark.parametrize("who,chat,method,tpl,body,status,code", [
    # plain member doing admin things
    ("M", "G", "POST", "/v1/chats/{chat}/members", lambda w: {"username": w["X"].username},
     403, "chat_admin_required"),
    ("M", "G", "DELETE", "/v1/chats/{chat}/members/{A}", None, 403, "chat_admin_required"),
    ("S", "C", "GET", "/v1/chats/{chat}/members", None, 403, "chat_admin_required"),
    ("S", "C", "DELETE", "/v1/chats/{chat}/members/{A}", None, 403, "chat_admin_required"),
    # admin doing owner things
    ("A", "G", "PATCH", "/v1/chats/{chat}/members/{M}", lambda w: {"role": "admin"},
     403, "chat_owner_required"),
    ("A", "C", "PATCH", "/v1/chats/{chat}/members/{S}", lambda w: {"role": "admin"},
     403, "chat_owner_required"),
    ("A", "G", "PATCH", "/v1/chats/{chat}/members/{A}", lambda w: {"role": "member"},
     403, "chat_owner_required"),
    # subscriber posting in a channel
    ("S", "C", "POST", "/v1/chats/{chat}/messages",
     lambda w: {"text": "spam", "random_id": rid()}, 403, "chat_write_forbidden"),
    ("S", "C", "POST", "/v1/chats/{chat}/forward",
     lambda w: {"from_chat_id": w["C"], "message_id": w["c_post"], "random_id": rid()},
     403, "chat_write_forbidden"),
    # editing someone else's message (even as owner or admin)
    ("M", "G", "PATCH", "/v1/chats/{chat}/messages/{g_owner_msg}", lambda w: {"text": "no"},
     403, "forbidden"),
    ("A", "G", "PATCH", "/v1/chats/{chat}/messages/{g_member_msg}", lambda w: {"text": "no"},
     403, "forbidden"),
    ("O", "G", "PATCH", "/v1/chats/{chat}/messages/{g_member_msg}", lambda w: {"text": "no"},
     403, "forbidden"),
    ("A", "C", "PATCH", "/v1/chats/{chat}/messages/{c_post}", lambda w: {"text": "no"},
     403, "forbidden"),
    ("M", "P", "PATCH", "/v1/chats/{chat}/messages/{p_msg}", lambda w: {"text": "no"},
     403, "forbidden"),
], ids=["member_add", "member_remove", "subscriber_list", "subscriber_remove",
        "admin_promote", "admin_promote_channel", "admin_demote_self", "subscriber_post",
        "subscriber_forward", "member_edit_owner", "admin_edit_member", "owner_edit_member",
        "admin_edit_channel_post", "private_edit_peer"])
def test_role_rules(world, who, chat, method, tpl, body, status, code):
    w = world
    path = tpl.format(chat=w[chat], A=w["A"].id, M=w["M"].id, S=w["S"].id,
                      g_owner_msg=w["g_owner_msg"], g_member_msg=w["g_member_msg"],
                      c_post=w["c_post"], p_msg=w["p_msg"])
    w[who].fail(method, path, status, code, body(w) if body else None)


def test_role_rules_changed_nothing(world):
    w = world
    O = w["O"]
    assert O.call("GET", f"/v1/chats/{w['G']}/messages/{w['g_owner_msg']}")["message"]["text"] \
        == "owner in G"
    assert O.call("GET", f"/v1/chats/{w['C']}/messages/{w['c_post']}")["message"]["text"] \
        == "channel post"
    assert [m["sender_id"] for m in O.history(w["C"])] == [O.id]
    assert w["S"].chat(w["C"])["role"] == "member"
    assert w["A"].chat(w["G"])["role"] == "admin"
    assert w["M"].chat(w["G"])["role"] == "member"


def test_member_cannot_delete_others_message_for_everyone(world):
    w = world
    r = w["M"].req("DELETE", f"/v1/chats/{w['G']}/messages/{w['g_owner_msg']}")
    assert r.status_code == 403, r.text
    assert err_code(r) in ("forbidden", "chat_admin_required"), r.text
    r = w["S"].req("DELETE", f"/v1/chats/{w['C']}/messages/{w['c_post']}")
    assert r.status_code == 403, r.text


def test_revoke_other_users_session(world):
    O, X = world["O"], world["X"]
    sid = O.call("GET", "/v1/sessions")["sessions"][0]["id"]
    X.fail("DELETE", f"/v1/sessions/{sid}", 404, "session_not_found")
    assert O.me()["id"] == O.id


def test_outsider_cannot_read_private_group_difference_or_members(world):
    X = world["X"]
    X.fail("GET", f"/v1/chats/{world['G']}/members", 404, "chat_not_found")
    X.fail("GET", f"/v1/chats/{world['G']}/difference", 404, "chat_not_found",
           params={"pts": 0})


def test_public_channel_readable_but_not_writable_by_outsider(world):
    X = world["X"]
    assert X.chat(world["C"])["role"] == "none"
    assert [m["text"] for m in X.history(world["C"])] == ["channel post"]
    X.fail("POST", f"/v1/chats/{world['C']}/messages", 403, "chat_write_forbidden",
           {"text": "x", "random_id": rid()})
