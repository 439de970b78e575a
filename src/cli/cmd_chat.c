/*
 * cmd_chat.c — chat commands: chats, send, history, create, join; and chat resolution.
 *
 *    TARGET  "#123" | "123"  ──────────────────────────────────► chat 123
 *            "@name" | "name" ─GET /v1/resolve/name─► {"chat"} ─► chat.id
 *                                                 └► {"user"} ─POST /v1/chats/private─► chat.id
 *
 * Every send carries a fresh random_id (herald_random_id()), so the library's one retry on a
 * stale keep-alive connection can never post a message twice.
 */
#include "cli/cli.h"
#include "common/error.h"
#include "libherald/json.h"

#include <stdio.h>
#include <string.h>

#define HD_CLI_MAX_TEXT (64 * 1024)

static int valid_name(const char *s) {
  if (*s == '\0' || strlen(s) > 64)
    return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '_'))
      return 0;
  return 1;
}

int hd_cli_resolve_chat(hd_cli_ctx_t *ctx, const char *target, int64_t *chat_id) {
  const char *t = target;
  if (*t == '#' || (*t >= '0' && *t <= '9')) {
    if (herald_args_int(*t == '#' ? t + 1 : t, 1, INT64_MAX, chat_id) != 0)
      return hd_cli_usage_error("'%s' is not a chat id (#123)", target);
    return HD_CLI_OK;
  }
  if (*t == '@')
    t++;
  if (!valid_name(t))
    return hd_cli_usage_error("'%s' is neither #CHAT_ID nor @username", target);
  char path[128];
  snprintf(path, sizeof(path), "/v1/resolve/%s", t);
  herald_response_t res;
  int rc = hd_cli_call(ctx, "GET", path, NULL, &res);
  if (rc != HD_CLI_OK)
    return rc;
  if (herald_json_at(res.body, "chat")) {
    *chat_id = herald_json_int(res.body, "chat.id", 0);
    herald_response_dispose(&res);
    return *chat_id > 0 ? HD_CLI_OK : HD_CLI_NET;
  }
  herald_response_dispose(&res);
  rc = hd_cli_call(ctx, "POST", "/v1/chats/private", json_pack("{s:s}", "username", t), &res);
  if (rc != HD_CLI_OK)
    return rc;
  *chat_id = herald_json_int(res.body, "chat.id", 0);
  herald_response_dispose(&res);
  if (*chat_id <= 0) {
    hd_cli_err("the server's answer has no chat id");
    return HD_CLI_NET;
  }
  return HD_CLI_OK;
}

static const herald_opt_spec_t chats_opts[] = {
    {"limit", 'n', 1, "N", "at most N chats (1-100, default 50)"},
    {"offset", 0, 1, "N", "skip the first N chats"},
    {NULL, 0, 0, NULL, NULL},
};

static int run_chats(hd_cli_ctx_t *ctx, const herald_args_t *a) {
  int64_t limit, offset;
  int rc = hd_cli_opt_int(a, "limit", 1, 100, 50, &limit);
  if (rc == HD_CLI_OK)
    rc = hd_cli_opt_int(a, "offset", 0, INT32_MAX, 0, &offset);
  if (rc != HD_CLI_OK)
    return rc;
  char path[128];
  snprintf(path, sizeof(path), "/v1/chats?offset=%lld&limit=%lld", (long long)offset,
           (long long)limit);
  herald_response_t res;
  if ((rc = hd_cli_call(ctx, "GET", path, NULL, &res)) != HD_CLI_OK)
    return rc;
  if (ctx->json) {
    hd_cli_print_json(res.body);
  } else {
    size_t i;
    json_t *d;
    json_array_foreach(herald_json_at(res.body, "dialogs"), i, d) {
      hd_cli_print_chat_line(herald_json_at(d, "chat"), herald_json_at(d, "last_message"),
                             herald_json_int(d, "unread_count", 0));
    }
  }
  herald_response_dispose(&res);
  return HD_CLI_OK;
}

/* Join argv words with single spaces, or read all of stdin for "-". */
static int message_text(const herald_args_t *a, hd_buf_t *text) {
  if (a->npos == 2 && strcmp(a->pos[1], "-") == 0) {
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
      if (hd_buf_append(text, chunk, n) != 0)
        return hd_cli_usage_error("message text on stdin is too long");
    while (text->len > 0 && text->base[text->len - 1] == '\n')
      text->len--;
  } else {
    for (int i = 1; i < a->npos; i++)
      if ((i > 1 && hd_buf_append(text, " ", 1) != 0) ||
          hd_buf_append(text, a->pos[i], strlen(a->pos[i])) != 0)
        return hd_cli_usage_error("message text is too long");
  }
  if (hd_buf_append(text, "", 1) != 0)
    return hd_cli_usage_error("message text is too long");
  text->len--;
  return HD_CLI_OK;
}

static const herald_opt_spec_t send_opts[] = {
    {"reply-to", 'r', 1, "MSG_ID", "reply to message MSG_ID of that chat"},
    {NULL, 0, 0, NULL, NULL},
};

static int run_send(hd_cli_ctx_t *ctx, const herald_args_t *a) {
  int64_t chat_id, reply_to;
  hd_buf_t text;
  hd_buf_init(&text, HD_CLI_MAX_TEXT);
  int rc = hd_cli_opt_int(a, "reply-to", 1, INT64_MAX, 0, &reply_to);
  if (rc == HD_CLI_OK)
    rc = message_text(a, &text);
  if (rc == HD_CLI_OK)
    rc = hd_cli_resolve_chat(ctx, a->pos[0], &chat_id);
  if (rc != HD_CLI_OK)
    goto done;
  json_t *body = json_object();
  json_object_set_new(body, "text", json_stringn(text.base, text.len));
  json_object_set_new(body, "random_id", json_integer(herald_random_id()));
  if (reply_to)
    json_object_set_new(body, "reply_to_id", json_integer(reply_to));
  if (!json_is_string(json_object_get(body, "text"))) {
    json_decref(body);
    rc = hd_cli_usage_error("message text is not valid UTF-8");
    goto done;
  }
  char path[96];
  snprintf(path, sizeof(path), "/v1/chats/%lld/messages", (long long)chat_id);
  herald_response_t res;
  if ((rc = hd_cli_call(ctx, "POST", path, body, &res)) != HD_CLI_OK)
    goto done;
  if (ctx->json)
    hd_cli_print_json(res.body);
  else
    printf("sent #%lld to chat %lld\n", (long long)herald_json_int(res.body, "message.id", 0),
           (long long)chat_id);
  herald_response_dispose(&res);
done:
  hd_buf_dispose(&text);
  return rc;
}

static const herald_opt_spec_t history_opts[] = {
    {"limit", 'n', 1, "N", "at most N messages (1-100, default 50)"},
    {"before", 0, 1, "MSG_ID", "messages older than MSG_ID"},
    {"after", 0, 1, "MSG_ID", "messages newer than MSG_ID"},
    {NULL, 0, 0, NULL, NULL},
};

static int run_history(hd_cli_ctx_t *ctx, const herald_args_t *a) {
  int64_t chat_id, limit, before, after;
  int rc = hd_cli_opt_int(a, "limit", 1, 100, 50, &limit);
  if (rc == HD_CLI_OK)
    rc = hd_cli_opt_int(a, "before", 1, INT64_MAX, 0, &before);
  if (rc == HD_CLI_OK)
    rc = hd_cli_opt_int(a, "after", 0, INT64_MAX, -1, &after);
  if (rc == HD_CLI_OK && before && after >= 0)
    rc = hd_cli_usage_error("history: give --before or --after, not both");
  if (rc == HD_CLI_OK)
    rc = hd_cli_resolve_chat(ctx, a->pos[0], &chat_id);
  if (rc != HD_CLI_OK)
    return rc;
  char path[160];
  int n = snprintf(path, sizeof(path), "/v1/chats/%lld/messages?limit=%lld", (long long)chat_id,
                   (long long)limit);
  if (before)
    snprintf(path + n, sizeof(path) - (size_t)n, "&before=%lld", (long long)before);
  else if (after >= 0)
    snprintf(path + n, sizeof(path) - (size_t)n, "&after=%lld", (long long)after);
  herald_response_t res;
  if ((rc = hd_cli_call(ctx, "GET", path, NULL, &res)) != HD_CLI_OK)
    return rc;
  if (ctx->json) {
    hd_cli_print_json(res.body);
  } else {
    json_t *list = herald_json_at(res.body, "messages");
    size_t count = json_array_size(list);
    /* newest first unless paging forward: print oldest first, like a chat window */
    for (size_t i = 0; i < count; i++)
      hd_cli_print_message(json_array_get(list, after >= 0 ? i : count - 1 - i));
  }
  herald_response_dispose(&res);
  return HD_CLI_OK;
}

static const herald_opt_spec_t create_opts[] = {
    {"username", 'u', 1, "NAME", "public @username (makes the chat public)"},
    {"about", 0, 1, "TEXT", "description"},
    {NULL, 0, 0, NULL, NULL},
};

static int run_create(hd_cli_ctx_t *ctx, const herald_args_t *a) {
  const char *type = a->pos[0];
  if (strcmp(type, "group") != 0 && strcmp(type, "channel") != 0)
    return hd_cli_usage_error("create: the type is 'group' or 'channel', not '%s'", type);
  json_t *body = json_pack("{s:s, s:s}", "type", type, "title", a->pos[1]);
  if (body == NULL)
    return hd_cli_usage_error("create: the name is not valid UTF-8");
  const char *uname = herald_args_get(a, "username");
  if (uname)
    json_object_set_new(body, "username", json_string(uname[0] == '@' ? uname + 1 : uname));
  const char *about = herald_args_get(a, "about");
  if (about)
    json_object_set_new(body, "about", json_string(about));
  herald_response_t res;
  int rc = hd_cli_call(ctx, "POST", "/v1/chats", body, &res);
  if (rc != HD_CLI_OK)
    return rc;
  if (ctx->json)
    hd_cli_print_json(res.body);
  else
    printf("created %s #%lld\n", type, (long long)herald_json_int(res.body, "chat.id", 0));
  herald_response_dispose(&res);
  return HD_CLI_OK;
}

static int run_join(hd_cli_ctx_t *ctx, const herald_args_t *a) {
  const char *name = a->pos[0][0] == '@' ? a->pos[0] + 1 : a->pos[0];
  if (!valid_name(name))
    return hd_cli_usage_error("join: '%s' is not a @username", a->pos[0]);
  herald_response_t res;
  int rc = hd_cli_call(ctx, "POST", "/v1/chats/join", json_pack("{s:s}", "username", name), &res);
  if (rc != HD_CLI_OK)
    return rc;
  if (ctx->json) {
    hd_cli_print_json(res.body);
  } else {
    printf("joined ");
    hd_cli_print_chat_line(herald_json_at(res.body, "chat"), NULL, 0);
  }
  herald_response_dispose(&res);
  return HD_CLI_OK;
}

const hd_cli_command_t hd_cli_cmd_chats = {
    "chats", "", "list your chats, most recent first", NULL, chats_opts, 0, 0, 1, run_chats};
const hd_cli_command_t hd_cli_cmd_send = {
    "send",
    "TARGET TEXT...",
    "send a message to @user, @public_chat or #CHAT_ID",
    "TARGET is #CHAT_ID (quote it in the shell: '#12'), a bare chat id, @user (opens the\n"
    "private chat) or @name of a public group or channel. TEXT words are joined with spaces;\n"
    "a single '-' reads the text from stdin.",
    send_opts,
    2,
    -1,
    1,
    run_send};
const hd_cli_command_t hd_cli_cmd_history = {
    "history", "CHAT",     "show messages of a chat (oldest first)", NULL, history_opts, 1, 1,
    1,         run_history};
const hd_cli_command_t hd_cli_cmd_create = {
    "create",  "group|channel NAME", "create a group or a channel", NULL, create_opts, 2, 2, 1,
    run_create};
const hd_cli_command_t hd_cli_cmd_join = {
    "join", "@NAME", "join a public group or subscribe to a public channel", NULL, NULL, 1, 1,
    1,      run_join};
