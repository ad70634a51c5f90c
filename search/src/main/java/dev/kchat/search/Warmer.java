package dev.kchat.search;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.PointValues;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.util.BytesRef;

/**
 * Warms a freshly started service, as Solr's firstSearcher queries do. The JIT
 * compiles the search loop only during the first searches over millions of
 * matches: right after a restart, the most common words at 10M messages took
 * 640–730 ms instead of 40–110 ms, for the first users to ask. So once the
 * indexer has caught up with the log (after a first build from Kafka too), a
 * background thread runs a few searches built from the index's own most
 * frequent bigram and trigram and its most common six-character substring (a
 * term, a phrase, an exclusion, a channel, a person, a time range, a member's
 * view), each a few times. Searches are answered meanwhile; /health says
 * {@code "warm": true} when it is done (docs/search.md).
 */
final class Warmer implements Runnable {
  /** the default size from which to warm up: below it the first searches are fast anyway */
  static final long MIN_DOCS = 200_000;
  private static final int ROUNDS = 4;
  /** the phrase warmed is the most common substring of this many characters in a sample of this many messages */
  private static final int PHRASE_CHARS = 6;
  private static final int SAMPLE = 2_000;
  private static final long MAX_MS = 30_000;
  /** a term dictionary is read this far at most for its most frequent terms */
  private static final int MAX_TERMS_READ = 2_000_000;

  private final Store store;
  private final Searcher searcher;
  private final long minDocs;
  private final BooleanSupplier caughtUp;
  private volatile boolean warm;

  Warmer(Store store, Searcher searcher, long minDocs, BooleanSupplier caughtUp) {
    this.store = store;
    this.searcher = searcher;
    this.minDocs = minDocs;
    this.caughtUp = caughtUp;
  }

  boolean warm() {
    return warm;
  }

  @Override
  public void run() {
    int searches = 0;
    long t0 = 0;
    try {
      // warm on the index users will search: after a first build from Kafka, not on its empty start
      while (!caughtUp.getAsBoolean()) Thread.sleep(200);
      t0 = System.currentTimeMillis();
      IndexSearcher s = store.searchers.acquire();
      try {
        List<SearchQuery> queries = s.getIndexReader().numDocs() < minDocs ? List.<SearchQuery>of() : queries(s);
        for (int round = 0; round < ROUNDS && System.currentTimeMillis() - t0 < MAX_MS; round++) {
          for (SearchQuery q : queries) {
            searcher.search(s, q);
            searches++;
          }
        }
      } finally {
        store.searchers.release(s);
      }
      if (searches > 0) Log.info("warmed up", "searches", searches, "ms", System.currentTimeMillis() - t0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      // warming is an optimisation: a failure here must not stop the service
      Log.warn("warming up failed; the first searches will be slower", "error", String.valueOf(e.getMessage()));
    } finally {
      warm = true;
    }
  }

  /** The warming searches for this index (none for an empty one). */
  static List<SearchQuery> queries(IndexSearcher s) throws IOException {
    LeafReader largest = null;
    for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
      if (largest == null || leaf.reader().maxDoc() > largest.maxDoc()) largest = leaf.reader();
    }
    if (largest == null) return List.of();
    List<String> bi = mostFrequent(largest, Schema.BI, 1);
    List<String> tri = mostFrequent(largest, Schema.TRI, 1);
    List<String> channels = mostFrequent(largest, Schema.CHANNEL, 20);
    List<String> nicks = mostFrequent(largest, Schema.NICK_KEY, 1);
    String phrase = commonSubstring(largest, PHRASE_CHARS);
    if (bi.isEmpty() || tri.isEmpty() || channels.isEmpty()) return List.of();
    List<SearchQuery> out = new ArrayList<>();
    out.add(auditor(List.of(bi.get(0)), List.of()));
    out.add(auditor(List.of(tri.get(0)), List.of()));
    if (phrase != null) out.add(auditor(List.of(phrase), List.of())); // longer than three characters: a phrase of trigrams
    out.add(auditor(List.of(bi.get(0)), List.of(tri.get(0))));
    SearchQuery inChannel = auditor(List.of(bi.get(0)), List.of());
    inChannel.channels = List.of(channels.get(0));
    out.add(inChannel);
    if (!nicks.isEmpty()) {
      SearchQuery from = auditor(List.of(tri.get(0)), List.of());
      from.nicks = nicks;
      out.add(from);
    }
    SearchQuery recent = auditor(List.of(tri.get(0)), List.of());
    PointValues points = largest.getPointValues(Schema.TS);
    if (points != null) recent.from = LongPoint.decodeDimension(points.getMaxPackedValue(), 0) - 30L * 24 * 3600 * 1000;
    out.add(recent);
    SearchQuery member = new SearchQuery();
    member.must = List.of(bi.get(0));
    member.memberChannels = channels;
    out.add(member);
    return out;
  }

  /** The most frequent substring of n characters in a sample of the segment's texts (folded), or null. */
  static String commonSubstring(LeafReader reader, int n) throws IOException {
    Map<String, Integer> counts = new HashMap<>();
    StoredFields stored = reader.storedFields();
    int step = Math.max(1, reader.maxDoc() / SAMPLE);
    for (int doc = 0; doc < reader.maxDoc(); doc += step) {
      String text = stored.document(doc, Set.of(Schema.TEXT)).get(Schema.TEXT);
      if (text == null) continue;
      int[] cps = Fold.fold(text).codePoints().toArray();
      Set<String> seen = new HashSet<>();
      for (int i = 0; i + n <= cps.length; i++) {
        String sub = new String(cps, i, n);
        if (seen.add(sub)) counts.merge(sub, 1, Integer::sum);
      }
    }
    return counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
  }

  private static SearchQuery auditor(List<String> must, List<String> not) {
    SearchQuery q = new SearchQuery();
    q.must = must;
    q.not = not;
    q.auditor = true;
    return q;
  }

  /** The field's k terms with the highest document frequency in this segment, most frequent first. */
  static List<String> mostFrequent(LeafReader reader, String field, int k) throws IOException {
    Terms terms = reader.terms(field);
    if (terms == null) return List.of();
    record Freq(String term, int docs) {}
    PriorityQueue<Freq> top = new PriorityQueue<>(Comparator.comparingInt(Freq::docs));
    TermsEnum it = terms.iterator();
    int read = 0;
    for (BytesRef t = it.next(); t != null && read < MAX_TERMS_READ; t = it.next(), read++) {
      int df = it.docFreq();
      if (top.size() < k) top.add(new Freq(t.utf8ToString(), df));
      else if (df > top.peek().docs()) {
        top.poll();
        top.add(new Freq(t.utf8ToString(), df));
      }
    }
    List<String> out = new ArrayList<>();
    while (!top.isEmpty()) out.add(0, top.poll().term());
    return out;
  }
}
