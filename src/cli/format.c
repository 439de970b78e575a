/*
 * format.c — human-readable output of server objects (users, chats, messages, updates).
 *
 * One object per line where possible so that even human output can be grepped:
 *    [2025-11-29 10:04] chat 7 #12 user 1: hello
 * Times are local. Message text is printed as is except for control characters, which are
 * shown as '?' so a message cannot move the cursor or rewrite the terminal.
 */
#include "cli/cli.h"
#include "libherald/json.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void hd_cli_fmt_time(int64_t unix_s, char *out, size_t cap) {
  time_t t = (time_t)unix_s;
  struct tm tm;
  if (unix_s <= 0 || localtime_r(&t, &tm) == NULL || strftime(out, cap, "%Y-%m-%d %H:%M", &tm) == 0)
    snprintf(out, cap, "-");
}

/* Print s with C0 controls and DEL replaced (newlines become spaces). */
static void put_text(const char *s) {
  for (; s && *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '\n' || ch == '\t')
      fputc(' ', stdout);
    else if (ch < 0x20 || ch == 0x7f)
      fputc('?', stdout);
    else
      fputc(ch, stdout);
  }
}

void hd_cli_print_json(const json_t *v) {
  herald_json_line(stdout, v);
  fflush(stdout);
}

void hd_cli_print_user(const json_t *u) {
  char when[32];
  hd_cli_fmt_time(herald_json_int(u, "created_at", 0), when, sizeof(when));
  printf("@%s (id %lld)\n", herald_json_str(u, "username", "?"),
         (long long)herald_json_int(u, "id", 0));
  printf("  name:    ");
  put_text(herald_json_str(u, "display_name", ""));
  printf("\n  bio:     ");
  put_text(herald_json_str(u, "bio", ""));
  if (herald_json_at(u, "country"))
    printf("\n  country: %s", herald_json_str(u, "country", ""));
  printf("\n  since:   %s\n", when);
}

void hd_cli_print_chat_line(const json_t *chat, const json_t *last, int64_t unread) {
  const char *uname = herald_json_str(chat, "username", NULL);
  printf("#%-6lld %-8s ", (long long)herald_json_int(chat, "id", 0),
         herald_json_str(chat, "type", "?"));
  put_text(herald_json_str(chat, "title", ""));
  if (uname)
    printf(" (@%s)", uname);
  if (unread > 0)
    printf("  [%lld unread]", (long long)unread);
  if (json_is_object(last)) {
    printf("  last: ");
    put_text(herald_json_str(last, "text", ""));
  }
  fputc('\n', stdout);
}

void hd_cli_print_message(const json_t *m) {
  char when[32];
  hd_cli_fmt_time(herald_json_int(m, "date", 0), when, sizeof(when));
  printf("[%s] chat %lld #%lld user %lld", when, (long long)herald_json_int(m, "chat_id", 0),
         (long long)herald_json_int(m, "id", 0), (long long)herald_json_int(m, "sender_id", 0));
  if (herald_json_at(m, "reply_to_id"))
    printf(" (reply to #%lld)", (long long)herald_json_int(m, "reply_to_id", 0));
  if (herald_json_at(m, "fwd_from"))
    printf(" (forwarded from chat %lld)", (long long)herald_json_int(m, "fwd_from.chat_id", 0));
  printf(": ");
  put_text(herald_json_str(m, "text", ""));
  if (herald_json_at(m, "edit_date"))
    printf(" (edited)");
  fputc('\n', stdout);
}

void hd_cli_print_update(const json_t *u) {
  const char *type = herald_json_str(u, "type", "?");
  long long chat = (long long)herald_json_int(u, "chat_id", 0);
  long long msg_id = (long long)herald_json_int(u, "message_id", 0);
  long long user = (long long)herald_json_int(u, "user_id", 0);
  const json_t *m = herald_json_at(u, "message");
  if ((strcmp(type, "new_message") == 0 || strcmp(type, "edit_message") == 0) && m) {
    if (strcmp(type, "edit_message") == 0)
      printf("edited: ");
    hd_cli_print_message(m);
  } else if (strcmp(type, "new_message") == 0 || strcmp(type, "edit_message") == 0) {
    printf("chat %lld #%lld (since deleted)\n", chat, msg_id);
  } else if (strcmp(type, "delete_message") == 0) {
    printf("chat %lld #%lld deleted\n", chat, msg_id);
  } else if (strcmp(type, "member_joined") == 0 || strcmp(type, "member_left") == 0) {
    printf("chat %lld: user %lld %s\n", chat, user,
           strcmp(type, "member_joined") == 0 ? "joined" : "left");
  } else if (strcmp(type, "role_changed") == 0) {
    printf("chat %lld: user %lld is now %s\n", chat, user, herald_json_str(u, "role", "?"));
  } else if (strcmp(type, "chat_joined") == 0 || strcmp(type, "chat_left") == 0) {
    printf("%s chat %lld\n", strcmp(type, "chat_joined") == 0 ? "joined" : "left", chat);
  } else if (strcmp(type, "read_inbox") == 0 || strcmp(type, "read_outbox") == 0) {
    printf("chat %lld: %s up to #%lld\n", chat,
           strcmp(type, "read_inbox") == 0 ? "you read" : "peer read", msg_id);
  } else {
    printf("chat %lld: %s\n", chat, type);
  }
  fflush(stdout);
}
