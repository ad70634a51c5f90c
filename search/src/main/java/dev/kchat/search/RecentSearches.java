package dev.kchat.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The last distinct searches people ran, kept beside the index so that the warm-up after a restart runs them
 * too, as Solr's autowarming replays the previous searcher's recent queries. The warm-up's own shapes are built
 * from the index's frequent words; the searches people run bring other terms, filters and frequencies, and the
 * compiler shapes the search loop on what it has seen: right after a restart of a 10M index, `장애 type:bot` took
 * 54–62 ms instead of 28–36 once the real searches had run twice (BENCHMARKS.md). The file holds query JSON as the
 * service received it (no answers), is written with mode 0600 beside the index (which holds every message
 * anyway), at most every few seconds and at a clean stop; after SIGKILL the last few seconds are missing, which
 * only makes the next warm-up a little less complete.
 */
final class RecentSearches {
  static final String FILE = "recent-searches.json";
  /** distinct searches kept: the newest replace the oldest */
  static final int MAX = 64;
  /** a search longer than this (a member of very many channels) is not kept */
  static final int MAX_CHARS = 64 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  /** compact JSON of each search, oldest first */
  private final LinkedHashSet<String> searches = new LinkedHashSet<>();
  private boolean changed;

  RecentSearches(Path indexDir) {
    this.file = indexDir.resolve(FILE);
  }

  /** A search the service answered (its JSON body): it becomes the newest. */
  synchronized void record(JsonNode body) {
    String s = body.toString();
    if (s.length() > MAX_CHARS) return;
    searches.remove(s);
    searches.add(s);
    if (searches.size() > MAX) {
      Iterator<String> oldest = searches.iterator();
      oldest.next();
      oldest.remove();
    }
    changed = true;
  }

  /** Writes the searches if they changed since the last write (a new file, then renamed over the old: never half-written). */
  void save() throws IOException {
    String text;
    synchronized (this) {
      if (!changed) return;
      text = "[" + String.join(",", searches) + "]"; // each is compact JSON already
      changed = false;
    }
    Path tmp = file.resolveSibling(FILE + ".tmp");
    Files.deleteIfExists(tmp);
    try {
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(tmp); // not a POSIX file system
    }
    Files.writeString(tmp, text);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * The searches of the last run that the service still accepts, oldest first (they are kept for the next write);
   * a missing file gives none, an unreadable one none and a warning, a search the query language no longer accepts is
   * left out.
   */
  List<SearchQuery> load() {
    List<SearchQuery> out = new ArrayList<>();
    JsonNode a;
    try {
      a = JSON.readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      return out;
    } catch (IOException e) {
      Log.warn("the recent searches are unreadable; the warm-up runs without them", "file", file, "error", String.valueOf(e.getMessage()).split("\n")[0]);
      return out;
    }
    if (a == null || !a.isArray()) {
      Log.warn("the recent searches are not a JSON array; the warm-up runs without them", "file", file);
      return out;
    }
    int refused = 0;
    for (int i = Math.max(0, a.size() - MAX); i < a.size(); i++) {
      JsonNode body = a.get(i);
      try {
        out.add(SearchQuery.parse(body));
        synchronized (this) {
          searches.add(body.toString());
        }
      } catch (SearchQuery.Bad | RuntimeException e) {
        refused++;
      }
    }
    if (refused > 0) Log.warn("recent searches left out of the warm-up", "file", file, "refused", refused);
    return out;
  }
}
