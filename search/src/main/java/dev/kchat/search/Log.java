package dev.kchat.search;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/**
 * Structured logs as JSON lines on stderr, in pino's shape (level numbers,
 * time in ms, name, msg), so the service log reads like the rest of kchat's.
 * Usage: {@code Log.info("index opened", "docs", 12, "dir", path)}.
 */
final class Log {
  private static final JsonFactory JSON = new JsonFactory();
  private static final PrintStream OUT = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true, StandardCharsets.UTF_8);
  private static volatile int threshold = 30;

  private Log() {}

  /** Set the lowest level written: trace|debug|info|warn|error|fatal (pino's names). */
  static void level(String name) {
    threshold = switch (name == null ? "" : name.toLowerCase(java.util.Locale.ROOT)) {
      case "trace" -> 10;
      case "debug" -> 20;
      case "warn" -> 40;
      case "error" -> 50;
      case "fatal" -> 60;
      default -> 30;
    };
  }

  static void debug(String msg, Object... kv) {
    write(20, msg, null, kv);
  }

  static void info(String msg, Object... kv) {
    write(30, msg, null, kv);
  }

  static void warn(String msg, Object... kv) {
    write(40, msg, null, kv);
  }

  static void error(String msg, Throwable err, Object... kv) {
    write(50, msg, err, kv);
  }

  static boolean enabled(int level) {
    return level >= threshold;
  }

  private static void write(int level, String msg, Throwable err, Object[] kv) {
    if (level < threshold) return;
    StringWriter s = new StringWriter(128);
    try (JsonGenerator g = JSON.createGenerator(s)) {
      g.writeStartObject();
      g.writeNumberField("level", level);
      g.writeNumberField("time", System.currentTimeMillis());
      g.writeStringField("name", "search.service");
      for (int i = 0; i + 1 < kv.length; i += 2) {
        g.writeFieldName(String.valueOf(kv[i]));
        Object v = kv[i + 1];
        if (v == null) g.writeNull();
        else if (v instanceof Number n) g.writeNumber(n.toString());
        else if (v instanceof Boolean b) g.writeBoolean(b);
        else g.writeString(v.toString());
      }
      if (err != null) {
        g.writeObjectFieldStart("err");
        g.writeStringField("type", err.getClass().getName());
        g.writeStringField("message", String.valueOf(err.getMessage()));
        StringWriter trace = new StringWriter();
        err.printStackTrace(new java.io.PrintWriter(trace));
        g.writeStringField("stack", trace.toString());
        g.writeEndObject();
      }
      g.writeStringField("msg", msg);
      g.writeEndObject();
    } catch (IOException e) {
      // a StringWriter does not fail
    }
    OUT.println(s);
  }
}
