package dev.kchat.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One record of chat.events, checked by the same rules as core/envelope.ts
 * parse() (v = 1, id, type, channel, user, text, ts, reply_to, meta), so the
 * index holds exactly the events ingest stores. `edit` and `delete` (second
 * edition) name the message they change in meta.target. A record that breaks
 * a rule is skipped with its reason; it never stops the indexer.
 */
final class Envelope {
  /** `kind` of a parsed record */
  enum Kind { MESSAGE, EDIT, DELETE }

  static final class Invalid extends Exception {
    Invalid(String reason) {
      super(reason, null, false, false);
    }
  }

  /** like JSON.parse: anything after the value is an error */
  private static final ObjectMapper JSON = new ObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  /** core/envelope.ts CHANNEL_RE */
  private static final Pattern CHANNEL = Pattern.compile("^[\\p{L}\\p{N}][\\p{L}\\p{N}_.-]*$");
  private static final int MAX_CHANNEL = 40;
  private static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

  final Kind kind;
  /** the message (MESSAGE), or the new text's author and time (EDIT/DELETE) */
  final Message message;
  /** the id of the message an EDIT/DELETE changes */
  final String target;
  /** the record's JSON (kept for placeholders) */
  final String json;
  /** `meta.role` of an EDIT/DELETE (stamped by the gateway): an admin may delete anyone's message */
  final String role;

  private Envelope(Kind kind, Message message, String target, String json, String role) {
    this.kind = kind;
    this.message = message;
    this.target = target;
    this.json = json;
    this.role = role;
  }

  /** Parse a record; `types` are the envelope types that become documents (core/envelope.ts EVENT_TYPES). */
  static Envelope parse(byte[] value, Set<String> types) throws Invalid {
    if (value == null || value.length == 0) throw new Invalid("empty record");
    // strict, like ingest: a broken byte sequence or an encoded lone surrogate is not an envelope
    if (!validUtf8(value)) throw new Invalid("value is not valid UTF-8 (lone surrogate or broken byte sequence)");
    // a byte-order mark is dropped, as ingest's decoder does
    int from = value.length >= 3 && (value[0] & 0xff) == 0xef && (value[1] & 0xff) == 0xbb && (value[2] & 0xff) == 0xbf ? 3 : 0;
    JsonNode raw;
    try {
      raw = JSON.readTree(value, from, value.length - from);
    } catch (java.io.IOException e) {
      throw new Invalid("invalid JSON: " + firstLine(e.getMessage()));
    }
    return of(raw, types, null);
  }

  static Envelope of(JsonNode raw, Set<String> types, String json) throws Invalid {
    if (raw == null || !raw.isObject()) throw new Invalid("envelope must be a JSON object");
    JsonNode v = raw.get("v");
    if (v == null || !v.isNumber() || v.asDouble() != 1.0) throw new Invalid("field 'v': must be 1");
    String id = string(raw, "id", 1, 128);
    String type = string(raw, "type", 1, 64);
    boolean edit = type.equals("edit");
    boolean delete = type.equals("delete");
    if (!edit && !delete && !types.contains(type)) throw new Invalid("field 'type': \"" + type + "\" is not one of " + types);
    String channel = string(raw, "channel", 1, MAX_CHANNEL);
    if (!CHANNEL.matcher(channel).matches()) throw new Invalid("field 'channel': not a valid channel name");
    JsonNode user = raw.get("user");
    if (user == null || !user.isObject()) throw new Invalid("field 'user': must be an object");
    String userId = string(user, "id", 1, 128);
    String nick = string(user, "nick", 1, 64);
    JsonNode text = raw.get("text");
    if (text == null || !text.isTextual()) throw new Invalid("field 'text': must be a string");
    JsonNode ts = raw.get("ts");
    if (ts == null || !ts.isNumber() || ts.asDouble() != Math.rint(ts.asDouble()) || ts.asDouble() < 0 || ts.asDouble() > MAX_SAFE_INTEGER) {
      throw new Invalid("field 'ts': must be a non-negative integer (epoch ms)");
    }
    JsonNode reply = raw.get("reply_to");
    String replyTo = null;
    if (reply != null && !reply.isNull()) {
      if (!reply.isTextual() || reply.asText().length() > 128) throw new Invalid("field 'reply_to': must be null or a string of at most 128 characters");
      replyTo = reply.asText();
    }
    JsonNode meta = raw.get("meta");
    if (meta != null && !meta.isObject()) throw new Invalid("field 'meta': must be an object");

    Message m = new Message();
    m.id = id;
    m.type = type;
    m.channel = channel;
    m.userId = Fold.clean(userId, 128);
    m.nick = Fold.clean(nick, 64);
    m.text = Fold.clean(text.asText(), Fold.MAX_TEXT);
    m.ts = ts.asLong();
    m.textTs = m.ts;
    m.textBy = id;
    m.replyTo = replyTo;
    if (meta != null && meta.has("visible_to")) {
      List<String> to = new ArrayList<>();
      for (String u : Schema.strings(meta.get("visible_to"))) to.add(Fold.clean(u, 128));
      m.visibleTo = to;
    }
    if (!edit && !delete) return new Envelope(Kind.MESSAGE, m, null, json, null);
    JsonNode target = meta == null ? null : meta.get("target");
    if (target == null || !target.isTextual() || target.asText().isEmpty() || target.asText().length() > 128) {
      throw new Invalid("field 'meta.target': an " + type + " must name the id of the message it changes");
    }
    String role = meta.path("role").isTextual() ? meta.get("role").asText() : null;
    return new Envelope(edit ? Kind.EDIT : Kind.DELETE, m, target.asText(), json != null ? json : raw.toString(), role);
  }

  /** Well-formed UTF-8 (RFC 3629): no overlong forms, no encoded surrogates, nothing above U+10FFFF. */
  static boolean validUtf8(byte[] b) {
    int i = 0;
    int n = b.length;
    while (i < n) {
      int c = b[i] & 0xff;
      if (c < 0x80) {
        i++;
        continue;
      }
      int need;
      int lo = 0x80;
      int hi = 0xbf;
      if (c >= 0xc2 && c <= 0xdf) need = 1;
      else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        if (c == 0xe0) lo = 0xa0; // overlong
        if (c == 0xed) hi = 0x9f; // surrogates U+D800–DFFF
      } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        if (c == 0xf0) lo = 0x90; // overlong
        if (c == 0xf4) hi = 0x8f; // above U+10FFFF
      } else return false;
      if (i + need >= n) return false;
      int second = b[i + 1] & 0xff;
      if (second < lo || second > hi) return false;
      for (int k = 2; k <= need; k++) {
        int cont = b[i + k] & 0xff;
        if (cont < 0x80 || cont > 0xbf) return false;
      }
      i += need + 1;
    }
    return true;
  }

  /** A placeholder's held event, parsed again when its message arrives. */
  static Envelope held(String json, Set<String> types) throws Invalid {
    try {
      return of(JSON.readTree(json), types, json);
    } catch (java.io.IOException e) {
      throw new Invalid("invalid JSON: " + firstLine(e.getMessage()));
    }
  }

  private static String string(JsonNode o, String field, int min, int max) throws Invalid {
    JsonNode n = o.get(field);
    if (n == null || !n.isTextual()) throw new Invalid("field '" + field + "': must be a string");
    String s = n.asText();
    if (s.length() < min || s.length() > max) throw new Invalid("field '" + field + "': must be " + min + " to " + max + " characters");
    return s;
  }

  private static String firstLine(String s) {
    if (s == null) return "";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
