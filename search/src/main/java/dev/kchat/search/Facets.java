package dev.kchat.search;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.SortedDocValues;

/**
 * Channel and user facets without a string per match: each segment's
 * channel_nick ordinals are mapped once (cached per segment) to ids in two
 * dictionaries shared by all segments, so counting a match is one doc-value
 * read and two array increments, and merging segments is array addition.
 */
final class Facets {
  private final Map<String, Integer> channelIds = new ConcurrentHashMap<>();
  private final Map<String, Integer> nickIds = new ConcurrentHashMap<>();
  private final List<String> channels = new ArrayList<>();
  private final List<String> nicks = new ArrayList<>();
  /** per segment core: {channel id of each ordinal, nick id of each ordinal} */
  private final Map<IndexReader.CacheKey, int[][]> bySegment = new WeakHashMap<>();

  /** {channel id, nick id} of every channel_nick ordinal of this segment. */
  int[][] ordinals(LeafReader reader) throws IOException {
    IndexReader.CacheHelper helper = reader.getCoreCacheHelper();
    IndexReader.CacheKey key = helper == null ? null : helper.getKey();
    if (key != null) {
      synchronized (bySegment) {
        int[][] cached = bySegment.get(key);
        if (cached != null) return cached;
      }
    }
    SortedDocValues dv = DocValues.getSorted(reader, Schema.CHANNEL_NICK);
    int n = dv.getValueCount();
    int[] chan = new int[n];
    int[] nick = new int[n];
    for (int ord = 0; ord < n; ord++) {
      String v = dv.lookupOrd(ord).utf8ToString();
      int sep = v.indexOf(Schema.SEP);
      chan[ord] = id(channelIds, channels, sep < 0 ? v : v.substring(0, sep));
      nick[ord] = id(nickIds, nicks, sep < 0 ? "" : v.substring(sep + 1));
    }
    int[][] out = {chan, nick};
    if (key != null) {
      synchronized (bySegment) {
        bySegment.put(key, out);
      }
    }
    return out;
  }

  private static int id(Map<String, Integer> ids, List<String> names, String name) {
    Integer id = ids.get(name);
    if (id != null) return id;
    synchronized (names) {
      return ids.computeIfAbsent(name, x -> {
        names.add(x);
        return names.size() - 1;
      });
    }
  }

  int channelCount() {
    synchronized (channels) {
      return channels.size();
    }
  }

  int nickCount() {
    synchronized (nicks) {
      return nicks.size();
    }
  }

  String channel(int id) {
    synchronized (channels) {
      return channels.get(id);
    }
  }

  String nick(int id) {
    synchronized (nicks) {
      return nicks.get(id);
    }
  }
}
