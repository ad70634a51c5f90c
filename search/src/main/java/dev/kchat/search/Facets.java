package dev.kchat.search;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.search.DocIdSetIterator;

/**
 * Channel and user facets without a string per match: each segment's
 * channel_nick ordinals are mapped once (cached per segment) to ids in two
 * dictionaries shared by all segments, so merging segments is array addition.
 * Each segment's ordinal per document is also copied out of the index (two
 * bytes a document, within a budget): counting a match is then one buffer read
 * instead of a memory-mapped doc-value read, which was a fifth of the CPU of a
 * common word's search at 10M messages (JFR). The copies live outside the Java
 * heap (direct buffers): in it, 20 MiB at 10M messages made G1 collect all the
 * time in the service's small heap. Merged segments are prepared before
 * searches see them ({@link #prepare}, the writer's merged-segment warmer).
 */
final class Facets {
  /** a document without a channel_nick (in {@link Segment#ordOfDoc}) */
  static final char NONE = Character.MAX_VALUE;

  /** One segment's facet data. */
  static final class Segment {
    /** channel id and nick id of each channel_nick ordinal */
    final int[] channelOf;
    final int[] nickOf;
    /** the ordinal of each document once copied, else null (read the doc value) */
    volatile CharBuffer ordOfDoc;

    Segment(int[] channelOf, int[] nickOf) {
      this.channelOf = channelOf;
      this.nickOf = nickOf;
    }
  }

  private final Map<String, Integer> channelIds = new ConcurrentHashMap<>();
  private final Map<String, Integer> nickIds = new ConcurrentHashMap<>();
  private final List<String> channels = new ArrayList<>();
  private final List<String> nicks = new ArrayList<>();
  /** each nick folded as the nick_key field holds it (a from: filter checked per match compares these) */
  private final List<String> nickKeys = new ArrayList<>();
  private final Map<IndexReader.CacheKey, Segment> bySegment = new ConcurrentHashMap<>();
  /** memory the per-document ordinals may take, all segments together */
  private final long budget;
  private final AtomicLong used = new AtomicLong();

  Facets(long budgetBytes) {
    this.budget = budgetBytes;
  }

  long bytes() {
    return used.get();
  }

  /** Copy a segment's ordinals ahead of its first search (the writer calls this for every merged segment). */
  void prepare(LeafReader reader) throws IOException {
    segment(reader, true);
  }

  /**
   * This segment's facet data, built on first use and dropped when the segment closes. The ordinals are copied
   * when `copy` (a search with many candidates here, a merged segment): a rare word's search right after a restart
   * does not wait for copies it gains nothing from.
   */
  Segment segment(LeafReader reader, boolean copy) throws IOException {
    IndexReader.CacheHelper helper = reader.getCoreCacheHelper();
    IndexReader.CacheKey key = helper == null ? null : helper.getKey();
    Segment seg = key == null ? null : bySegment.get(key);
    if (seg == null) {
      seg = mapOrdinals(reader);
      if (key != null) {
        Segment raced = bySegment.putIfAbsent(key, seg);
        if (raced != null) {
          seg = raced;
        } else {
          Segment mine = seg;
          helper.addClosedListener(k -> {
            bySegment.remove(k);
            CharBuffer held = mine.ordOfDoc;
            if (held != null) used.addAndGet(-2L * held.capacity());
          });
        }
      }
    }
    // only for a segment whose copy can be dropped with it (a key) and that fits the budget
    if (copy && key != null && seg.ordOfDoc == null && seg.channelOf.length < NONE) copyOrdinals(reader, seg);
    return seg;
  }

  private Segment mapOrdinals(LeafReader reader) throws IOException {
    SortedDocValues dv = DocValues.getSorted(reader, Schema.CHANNEL_NICK);
    int n = dv.getValueCount();
    int[] chan = new int[n];
    int[] nick = new int[n];
    for (int ord = 0; ord < n; ord++) {
      String v = dv.lookupOrd(ord).utf8ToString();
      int sep = v.indexOf(Schema.SEP);
      chan[ord] = id(channelIds, channels, null, sep < 0 ? v : v.substring(0, sep));
      nick[ord] = id(nickIds, nicks, nickKeys, sep < 0 ? "" : v.substring(sep + 1));
    }
    return new Segment(chan, nick);
  }

  private void copyOrdinals(LeafReader reader, Segment seg) throws IOException {
    synchronized (seg) {
      if (seg.ordOfDoc != null) return;
      int maxDoc = reader.maxDoc();
      long bytes = 2L * maxDoc;
      if (used.addAndGet(bytes) > budget) {
        used.addAndGet(-bytes);
        return;
      }
      CharBuffer ords = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder()).asCharBuffer();
      SortedDocValues dv = DocValues.getSorted(reader, Schema.CHANNEL_NICK);
      int next = 0;
      for (int doc = dv.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = dv.nextDoc()) {
        while (next < doc) ords.put(next++, NONE);
        ords.put(doc, (char) dv.ordValue());
        next = doc + 1;
      }
      while (next < maxDoc) ords.put(next++, NONE);
      seg.ordOfDoc = ords;
    }
  }

  private static int id(Map<String, Integer> ids, List<String> names, List<String> keys, String name) {
    Integer id = ids.get(name);
    if (id != null) return id;
    synchronized (names) {
      return ids.computeIfAbsent(name, x -> {
        names.add(x);
        if (keys != null) keys.add(Fold.fold(x));
        return names.size() - 1;
      });
    }
  }

  /**
   * A channel and person filter checked on each match (by its channel_nick ordinal) instead of in Lucene;
   * `channels` (lower-cased) and `nickKeys` (folded, as the nick_key field holds them) are the sets to be in,
   * each null for no such filter.
   */
  Filter filter(Set<String> channels, Set<String> nickKeys) {
    return new Filter(channels, nickKeys);
  }

  final class Filter {
    private final Set<String> channels;
    private final Set<String> nickKeys;
    /** by channel id and nick id: passes (known when the filter was made; later ids are looked up) */
    private final boolean[] channelOk;
    private final boolean[] nickOk;

    private Filter(Set<String> channels, Set<String> nickKeys) {
      this.channels = channels;
      this.nickKeys = nickKeys;
      channelOk = new boolean[channelCount()];
      for (int id = 0; id < channelOk.length; id++) channelOk[id] = channelPasses(id);
      nickOk = new boolean[nickCount()];
      for (int id = 0; id < nickOk.length; id++) nickOk[id] = nickPasses(id);
    }

    private boolean channelPasses(int id) {
      return channels == null || channels.contains(channel(id));
    }

    private boolean nickPasses(int id) {
      return nickKeys == null || nickKeys.contains(nickKey(id));
    }

    /** Which of a segment's ordinals pass, indexed like {@link Segment#channelOf}, plus a last entry (false) for documents without one. */
    boolean[] allowed(Segment seg) {
      boolean[] out = new boolean[seg.channelOf.length + 1];
      for (int ord = 0; ord < seg.channelOf.length; ord++) {
        int c = seg.channelOf[ord];
        int n = seg.nickOf[ord];
        out[ord] = (c < channelOk.length ? channelOk[c] : channelPasses(c)) && (n < nickOk.length ? nickOk[n] : nickPasses(n));
      }
      return out;
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

  private String nickKey(int id) {
    synchronized (nicks) {
      return nickKeys.get(id);
    }
  }
}
