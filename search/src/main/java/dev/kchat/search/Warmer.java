package dev.kchat.search;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
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
 * matches, and again for each query shape (a phrase, an exclusion, a filter
 * bring their own Lucene iterators): right after a restart, the most common
 * words at 10M messages took 640–730 ms instead of 40–110 ms, and with a
 * warm-up of a few shapes only, the first `배포 -kafka` still took 270–360 ms.
 * So once the indexer has caught up with the log (after a first build from
 * Kafka too), a background thread runs every shape the query language gives
 * (needles of one to nine characters, several words, exclusions, each filter,
 * a member's view, a second page), built from the index's own most frequent
 * terms and commonest substrings, round after round until a round ends with
 * the compilers nearly idle, and with them the searches people ran before the
 * restart ({@link RecentSearches}); before them, it reads the index's search files
 * into the page cache ({@link PageCache}). Searches are answered meanwhile; /health says
 * {@code "warm": true} when it is done (docs/search.md).
 */
final class Warmer implements Runnable {
  /** the default size from which to warm up: below it the first searches are fast anyway */
  static final long MIN_DOCS = 200_000;
  /** rounds of the warming searches: at least, and at most */
  private static final int MIN_ROUNDS = 4;
  private static final int MAX_ROUNDS = 40;
  /** a round in which the compilers worked for less than this share of its time ends the warm-up */
  private static final double SETTLED_COMPILE_SHARE = 0.05;
  private static final long DAY_MS = 24L * 3600 * 1000;
  /** the phrases warmed are the most common substrings of these many characters in a sample of this many messages */
  private static final int[] PHRASE_CHARS = {6, 9};
  private static final int SAMPLE = 2_000;
  private static final long MAX_MS = 30_000;
  /** a term dictionary is read this far at most for its most frequent terms */
  private static final int MAX_TERMS_READ = 2_000_000;

  private final Store store;
  private final Searcher searcher;
  private final long minDocs;
  private final BooleanSupplier caughtUp;
  /** the searches people ran before the restart (RecentSearches), warmed beside the shapes built here */
  private final List<SearchQuery> recent;
  private volatile boolean warm;

  Warmer(Store store, Searcher searcher, long minDocs, BooleanSupplier caughtUp, List<SearchQuery> recent) {
    this.store = store;
    this.searcher = searcher;
    this.minDocs = minDocs;
    this.caughtUp = caughtUp;
    this.recent = recent;
  }

  boolean warm() {
    return warm;
  }

  @Override
  public void run() {
    int searches = 0;
    int rounds = 0;
    long t0 = 0;
    long compiledMs = 0;
    try {
      // warm on the index users will search: after a first build from Kafka, not on its empty start
      while (!caughtUp.getAsBoolean()) Thread.sleep(200);
      readIntoPageCache();
      t0 = System.currentTimeMillis();
      IndexSearcher s = store.searchers.acquire();
      try {
        List<SearchQuery> queries = new ArrayList<>();
        if (s.getIndexReader().numDocs() >= minDocs) {
          queries.addAll(queries(s));
          queries.addAll(recent);
        }
        // Rounds go on until one ends with the compiler nearly idle: each query shape brings its own Lucene
        // iterators, and the JIT recompiles the search loop for several rounds after a restart.
        long compile0 = compileMs();
        while (!queries.isEmpty() && rounds < MAX_ROUNDS && System.currentTimeMillis() - t0 < MAX_MS) {
          long roundStart = System.currentTimeMillis();
          long compileStart = compileMs();
          for (SearchQuery q : queries) {
            searcher.search(s, q);
            searches++;
          }
          rounds++;
          long roundMs = System.currentTimeMillis() - roundStart;
          if (rounds >= MIN_ROUNDS && compileMs() - compileStart <= roundMs * SETTLED_COMPILE_SHARE) break;
        }
        compiledMs = compileMs() - compile0;
      } finally {
        store.searchers.release(s);
      }
      if (searches > 0) Log.info("warmed up", "searches", searches, "rounds", rounds, "recent", recent.size(), "ms", System.currentTimeMillis() - t0, "compile_ms", compiledMs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      // warming is an optimisation: a failure here must not stop the service
      Log.warn("warming up failed; the first searches will be slower", "error", String.valueOf(e.getMessage()));
    } finally {
      warm = true;
    }
  }

  /** The index's search files read once, so that the first searches do not wait for the disk (PageCache). */
  private void readIntoPageCache() {
    try {
      PageCache.Read r = PageCache.read(store.dir, PageCache.budget());
      Log.info("index read into the page cache", "bytes", r.bytes(), "files", r.files(), "skipped_bytes", r.skippedBytes(), "ms", r.ms());
    } catch (IOException e) {
      // an optimisation too: the first searches read their pages themselves
      Log.warn("reading the index into the page cache failed", "error", String.valueOf(e.getMessage()));
    }
  }

  /** CPU the JIT compilers have spent so far (ms; summed over their threads), 0 where the JVM does not say. */
  private static long compileMs() {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
  }

  /**
   * The warming searches for this index (none for an empty one): every shape the query language gives the
   * service (audit/search/query.ts), built from the index's own frequent terms, so that no first search of a
   * shape waits for the compiler.
   */
  static List<SearchQuery> queries(IndexSearcher s) throws IOException {
    LeafReader largest = null;
    for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
      if (largest == null || leaf.reader().maxDoc() > largest.maxDoc()) largest = leaf.reader();
    }
    if (largest == null) return List.of();
    List<String> uni = mostFrequent(largest, Schema.UNI, 1);
    List<String> bi = mostFrequent(largest, Schema.BI, 2);
    List<String> tri = mostFrequent(largest, Schema.TRI, 1);
    List<String> channels = mostFrequent(largest, Schema.CHANNEL, 20);
    List<String> nicks = mostFrequent(largest, Schema.NICK_KEY, 1);
    List<String> types = mostFrequent(largest, Schema.TYPE, 1);
    if (bi.isEmpty() || tri.isEmpty() || channels.isEmpty()) return List.of();
    String b = bi.get(0);
    String b2 = bi.size() > 1 ? bi.get(1) : b;
    String t = tri.get(0);
    List<SearchQuery> out = new ArrayList<>();
    // needles: a character, a bigram, a trigram, phrases of two trigrams (4–6 characters) and of three (7–9), a
    // Latin word of six letters (one gram of its Latin runs)
    if (!uni.isEmpty()) out.add(auditor(List.of(uni.get(0)), List.of()));
    out.add(auditor(List.of(b), List.of()));
    out.add(auditor(List.of(t), List.of()));
    List<String> phrases = new ArrayList<>();
    for (int n : PHRASE_CHARS) {
      String phrase = commonSubstring(largest, n, false);
      if (phrase == null) continue;
      phrases.add(phrase);
      out.add(auditor(List.of(phrase), List.of()));
    }
    String latin = commonSubstring(largest, Schema.LAT_MAX, true);
    if (latin != null) out.add(auditor(List.of(latin), List.of()));
    // several words, exclusions (of a term, a phrase and a Latin word)
    out.add(auditor(List.of(b, t), List.of()));
    out.add(auditor(List.of(b), List.of(t)));
    if (!phrases.isEmpty()) out.add(auditor(List.of(b2), List.of(phrases.get(0))));
    if (latin != null) out.add(auditor(List.of(b2), List.of(latin)));
    // filters beside a needle: channel, person, type, link, a narrow and a wide time range, and filters alone
    out.add(auditor(List.of(b), List.of(), q -> q.channels = List.of(channels.get(0))));
    if (!nicks.isEmpty()) {
      out.add(auditor(List.of(b2), List.of(), q -> q.nicks = nicks));
      out.add(auditor(List.of(), List.of(), q -> {
        q.nicks = nicks;
        q.channels = List.of(channels.get(0));
      }));
    }
    if (!types.isEmpty()) out.add(auditor(List.of(b), List.of(), q -> q.types = types));
    out.add(auditor(List.of(b2), List.of(), q -> q.hasLink = true));
    PointValues points = largest.getPointValues(Schema.TS);
    long newest = points == null ? Long.MAX_VALUE : LongPoint.decodeDimension(points.getMaxPackedValue(), 0);
    if (points != null) {
      long oldest = LongPoint.decodeDimension(points.getMinPackedValue(), 0);
      out.add(auditor(List.of(t), List.of(), q -> q.from = newest - 30L * DAY_MS));
      out.add(auditor(List.of(b), List.of(), q -> {
        q.from = oldest + (newest - oldest) / 2;
        q.to = q.from + DAY_MS;
      }));
    }
    // a member's view (their channels, no deleted or ephemeral messages), and the second page of a search
    out.add(member(b, channels));
    if (!phrases.isEmpty()) out.add(member(phrases.get(0), channels));
    out.add(auditor(List.of(b2), List.of(), q -> {
      q.afterTs = points == null ? Long.MAX_VALUE : newest - DAY_MS;
      q.afterId = new BytesRef("");
    }));
    return out;
  }

  /** The most frequent substring of n characters (only Latin letters and digits: {@code latin}) in a sample of the segment's texts (folded), or null. */
  static String commonSubstring(LeafReader reader, int n, boolean latin) throws IOException {
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
        if (latin && !Fold.latin(sub)) continue;
        if (seen.add(sub)) counts.merge(sub, 1, Integer::sum);
      }
    }
    return counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
  }

  private static SearchQuery auditor(List<String> must, List<String> not) {
    return auditor(must, not, q -> {});
  }

  /** a member's search of the needle in these channels */
  private static SearchQuery member(String needle, List<String> channels) {
    SearchQuery q = new SearchQuery();
    q.must = List.of(needle);
    q.memberChannels = channels;
    return q;
  }

  /** an auditor's search, with the filters `with` sets */
  private static SearchQuery auditor(List<String> must, List<String> not, Consumer<SearchQuery> with) {
    SearchQuery q = new SearchQuery();
    q.must = must;
    q.not = not;
    q.auditor = true;
    with.accept(q);
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
