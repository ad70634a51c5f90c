package dev.kchat.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.CharBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.PointValues;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.TwoPhaseIterator;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

/**
 * Runs one search (a {@link SearchQuery}) in a single pass over every match:
 * it counts them (the exact total), counts the channel and user facets, and
 * keeps the newest matches after the cursor for the page (order ts desc, id
 * desc). Segments are visited newest first (their newest ts comes from the
 * ts points), so once the page is full, older segments only count: their
 * matches' ts is not even read. Channel and person filters that are not much
 * narrower than the needles are checked on each match by its facet ordinal
 * ({@link #perMatch}). The search threads (two on this machine)
 * share the work in pieces of segments, each taking the next one when done,
 * and their parts are merged.
 */
final class Searcher {
  static final int FACETS = 20;
  /** a search with candidates in 1/16 of a segment or more copies its facet ordinals (Facets) */
  private static final int COPY_FROM_PART = 16;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

  private final ExecutorService pool;
  private final int threads;
  private final Facets facets;
  private final int minRange;

  Searcher(ExecutorService pool, int threads, int minRange, Facets facets) {
    this.pool = pool;
    this.threads = threads;
    this.minRange = minRange;
    this.facets = facets;
  }

  private record Candidate(LeafReaderContext leaf, int doc, long ts, BytesRef id) {}

  /** What one thread found in its segments. */
  private static final class Part {
    long total;
    /** CPU time this part took (ns): load-independent cost of a search, reported as cpu_ms */
    long cpu;
    long[] channels;
    long[] nicks;
    final List<Candidate> candidates = new ArrayList<>();
  }

  /** A segment as one search sees it: its time span, and which of its channel_nick ordinals pass a filter checked per match (null: none). */
  private record Segment(LeafReaderContext leaf, long minTs, long maxTs, boolean[] allowed) {}

  /** The docs [from, to) of a segment: a piece of a search for one thread. */
  private record Range(Segment seg, int from, int to) {}

  /** by default a segment is not cut into pieces smaller than this: a piece costs its own scorer */
  static final int SPLIT_MIN_DOCS = 50_000;
  /** a filter is given to Lucene when it holds this many times fewer documents than the needles, or fewer */
  private static final int NARROWER = 8;
  /** a filter of more values than this is not priced (a term lookup each per segment): it is checked per match */
  private static final int MAX_FILTER_TERMS_PRICED = 16;
  /** pieces per search thread, so that a thread that falls behind is made up for by the others */
  private static final int PIECES_PER_THREAD = 8;

  private Segment segment(LeafReaderContext leaf, Facets.Filter filter) throws IOException {
    boolean[] allowed = filter == null ? null : filter.allowed(facets.segment(leaf.reader(), false));
    PointValues points = leaf.reader().getPointValues(Schema.TS);
    if (points == null || points.size() == 0) return new Segment(leaf, Long.MIN_VALUE, Long.MAX_VALUE, allowed);
    return new Segment(leaf, LongPoint.decodeDimension(points.getMinPackedValue(), 0), LongPoint.decodeDimension(points.getMaxPackedValue(), 0), allowed);
  }

  /**
   * Decides which channel and person filters are checked on each match of the needles rather than in Lucene,
   * and returns that check (null: none). Lucene intersects a filter with the needles by skipping through both
   * lists of documents, which pays when the filter is much narrower than the needles (a quiet channel, one
   * person among hundreds); otherwise reading each match's channel_nick ordinal, which the facets read anyway,
   * is cheaper: `장애 in:#ops` at 10M messages read 2.7M and 1.2M postings to find 0.37M matches; a member's
   * search intersected every needle with all the member's channels.
   */
  private Facets.Filter perMatch(IndexReader reader, SearchQuery q) throws IOException {
    q.channelsPerMatch = q.nicksPerMatch = q.memberChannelsPerMatch = false;
    if (q.must.isEmpty()) return null;
    long needles = Long.MAX_VALUE;
    for (String n : q.must) needles = Math.min(needles, needleDocs(reader, n));
    q.channelsPerMatch = !q.channels.isEmpty() && !narrower(reader, Schema.CHANNEL, q.channels, needles);
    q.nicksPerMatch = !q.nicks.isEmpty() && !narrower(reader, Schema.NICK_KEY, q.nicks, needles);
    q.memberChannelsPerMatch = q.memberChannels != null && !narrower(reader, Schema.CHANNEL, q.memberChannels, needles);
    Set<String> channels = null;
    if (q.channelsPerMatch) channels = new HashSet<>(q.channels);
    if (q.memberChannelsPerMatch) {
      if (channels == null) channels = new HashSet<>(q.memberChannels);
      else channels.retainAll(new HashSet<>(q.memberChannels));
    }
    Set<String> nickKeys = q.nicksPerMatch ? new HashSet<>(q.nicks) : null;
    return channels == null && nickKeys == null ? null : facets.filter(channels, nickKeys);
  }

  /** the documents a needle's rarest term is in (current texts): what its search reads at least */
  private static long needleDocs(IndexReader reader, String needle) throws IOException {
    long min = Long.MAX_VALUE;
    for (Term t : SearchQuery.terms(SearchQuery.CURRENT, needle)) min = Math.min(min, reader.docFreq(t));
    return min;
  }

  /** whether a filter's documents are so much fewer than the needles' that Lucene should lead with them */
  private static boolean narrower(IndexReader reader, String field, List<String> values, long needles) throws IOException {
    if (values.size() > MAX_FILTER_TERMS_PRICED) return false; // a member's many channels: most of the traffic
    long docs = 0;
    for (String v : values) docs += reader.docFreq(new Term(field, v));
    return docs * NARROWER < needles;
  }

  ObjectNode search(IndexSearcher searcher, SearchQuery q) throws IOException {
    Facets.Filter filter = perMatch(searcher.getIndexReader(), q);
    Weight weight = searcher.createWeight(searcher.rewrite(q.toLucene()), ScoreMode.COMPLETE_NO_SCORES, 1f);
    List<Segment> segments = new ArrayList<>();
    for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) segments.add(segment(leaf, filter));
    segments.sort(Comparator.comparingLong((Segment s) -> s.maxTs).reversed());
    // The documents go out in pieces, newest segments first, to the search threads, each taking the next piece
    // when done with one: merges leave one or two segments with most of the docs, and matches gather unevenly (a
    // topic's busy days), so a fixed share per thread left one thread with most of a common word's search while
    // the other waited; so did a thread that started late (Lucene 9 searches a segment in one thread).
    long docs = 0;
    for (Segment s : segments) docs += s.leaf.reader().maxDoc();
    int helpers = (int) Math.max(0, Math.min(threads - 1, docs / minRange - 1));
    long size = Math.max(minRange, docs / ((helpers + 1L) * PIECES_PER_THREAD));
    List<Range> pieces = new ArrayList<>();
    for (Segment s : segments) {
      int maxDoc = s.leaf.reader().maxDoc();
      int n = (int) Math.max(1, maxDoc / size);
      for (int i = 0; i < n; i++) pieces.add(new Range(s, (int) ((long) maxDoc * i / n), (int) ((long) maxDoc * (i + 1) / n)));
    }
    AtomicInteger next = new AtomicInteger();
    // a helper runs only if it starts before the pieces are gone; the caller claims those that have not started
    // (the pool busy with another search), so it never waits for a thread with nothing left to do
    List<AtomicBoolean> started = new ArrayList<>();
    List<Future<Part>> running = new ArrayList<>();
    for (int i = 0; i < helpers; i++) {
      AtomicBoolean mine = new AtomicBoolean();
      started.add(mine);
      running.add(pool.submit(() -> mine.compareAndSet(false, true) ? collect(weight, pieces, next, q) : null));
    }
    List<Part> parts = new ArrayList<>();
    parts.add(collect(weight, pieces, next, q));
    for (int i = 0; i < helpers; i++) {
      if (started.get(i).compareAndSet(false, true)) continue;
      try {
        parts.add(running.get(i).get());
      } catch (ExecutionException e) {
        throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("search interrupted", e);
      }
    }
    long total = 0;
    long cpu = 0;
    long[] channels = new long[facets.channelCount()];
    long[] nicks = new long[facets.nickCount()];
    List<Candidate> candidates = new ArrayList<>();
    for (Part p : parts) {
      total += p.total;
      cpu += p.cpu;
      for (int i = 0; i < p.channels.length; i++) channels[i] += p.channels[i];
      for (int i = 0; i < p.nicks.length; i++) nicks[i] += p.nicks[i];
      candidates.addAll(p.candidates);
    }
    candidates.sort((a, b) -> a.ts != b.ts ? Long.compare(b.ts, a.ts) : b.id.compareTo(a.id));
    ObjectNode out = JSON.createObjectNode();
    ArrayNode hits = out.putArray("hits");
    for (int i = 0; i < Math.min(q.limit, candidates.size()); i++) {
      Candidate c = candidates.get(i);
      hits.add(Schema.hit(c.leaf.reader().storedFields().document(c.doc), q.auditor));
    }
    out.put("has_more", candidates.size() > q.limit);
    out.put("total", total);
    out.put("cpu_ms", cpu / 1e6);
    ObjectNode f = out.putObject("facets");
    f.set("channels", top(channels, true));
    f.set("users", top(nicks, false));
    return out;
  }

  /** One thread's share of a search: the next piece not taken yet, until none is left. */
  private Part collect(Weight weight, List<Range> pieces, AtomicInteger next, SearchQuery q) throws IOException {
    long cpu0 = CPU.getCurrentThreadCpuTime();
    int k = q.limit + 1;
    Part part = new Part();
    Newest newest = new Newest(k);
    long[] chanCounts = new long[0];
    long[] nickCounts = new long[0];
    int[] counts = new int[0];
    for (int piece = next.getAndIncrement(); piece < pieces.size(); piece = next.getAndIncrement()) {
      Range range = pieces.get(piece);
      Segment seg = range.seg;
      LeafReaderContext leaf = seg.leaf;
      LeafReader reader = leaf.reader();
      Scorer scorer = weight.scorer(leaf);
      if (scorer == null) continue;
      TwoPhaseIterator twoPhase = scorer.twoPhaseIterator();
      DocIdSetIterator it = twoPhase == null ? scorer.iterator() : twoPhase.approximation();
      Bits live = reader.getLiveDocs();
      // copy this segment's facet ordinals once a search visits a good part of it (not for a rare word)
      Facets.Segment fs = facets.segment(reader, it.cost() >= reader.maxDoc() / COPY_FROM_PART);
      CharBuffer ordOfDoc = fs.ordOfDoc;
      SortedDocValues cn = ordOfDoc == null ? DocValues.getSorted(reader, Schema.CHANNEL_NICK) : null;
      // by ordinal, the last for matches without one; reused across segments (zeroed as it is read below)
      int none = fs.channelOf.length;
      boolean[] allowed = seg.allowed;
      if (counts.length <= none) counts = new int[Math.max(none + 1, counts.length * 2)];
      // the page needs this segment's ts only if it can hold a doc newer than the page's oldest (and older than the cursor)
      boolean cursorAllows = q.afterTs == null || seg.minTs <= q.afterTs;
      boolean paging = cursorAllows && (newest.size < k || seg.maxTs >= newest.oldest());
      NumericDocValues ts = paging ? DocValues.getNumeric(reader, Schema.TS) : null;
      SortedDocValues idValues = paging && q.afterTs != null ? DocValues.getSorted(reader, Schema.ID) : null;
      long segTotal = 0;
      for (int doc = range.from == 0 ? it.nextDoc() : it.advance(range.from); doc < range.to; doc = it.nextDoc()) {
        if (live != null && !live.get(doc)) continue;
        // a filter checked per match goes before the needle's own check (a phrase's positions)
        int ord = allowed == null ? -1 : ordinal(ordOfDoc, cn, doc, none);
        if (allowed != null && !allowed[ord]) continue;
        if (twoPhase != null && !twoPhase.matches()) continue;
        if (ord < 0) ord = ordinal(ordOfDoc, cn, doc, none);
        segTotal++;
        counts[ord]++;
        if (ts == null) continue;
        long t = ts.advanceExact(doc) ? ts.longValue() : Long.MIN_VALUE;
        if (q.afterTs != null && (t > q.afterTs || (t == q.afterTs && idAt(idValues, doc).compareTo(q.afterId) >= 0))) continue;
        newest.offer(leaf, t, doc);
      }
      part.total += segTotal;
      counts[none] = 0;
      if (segTotal > 0) {
        int[] chanOf = fs.channelOf;
        int[] nickOf = fs.nickOf;
        for (int ord = 0; ord < none; ord++) {
          int c = counts[ord];
          if (c == 0) continue;
          counts[ord] = 0;
          if (chanOf[ord] >= chanCounts.length) chanCounts = java.util.Arrays.copyOf(chanCounts, facets.channelCount());
          if (nickOf[ord] >= nickCounts.length) nickCounts = java.util.Arrays.copyOf(nickCounts, facets.nickCount());
          chanCounts[chanOf[ord]] += c;
          nickCounts[nickOf[ord]] += c;
        }
      }
    }
    part.channels = chanCounts;
    part.nicks = nickCounts;
    newest.drain(part.candidates);
    part.cpu = CPU.getCurrentThreadCpuTime() - cpu0;
    return part;
  }

  /** a match's channel_nick ordinal, from the segment's copy or its doc values; `none` when it has none */
  private static int ordinal(CharBuffer ordOfDoc, SortedDocValues cn, int doc, int none) throws IOException {
    if (ordOfDoc != null) {
      char o = ordOfDoc.get(doc);
      return o == Facets.NONE ? none : o;
    }
    return cn.advanceExact(doc) ? cn.ordValue() : none;
  }

  private static BytesRef idAt(SortedDocValues ids, int doc) throws IOException {
    return ids.advanceExact(doc) ? ids.lookupOrd(ids.ordValue()) : new BytesRef();
  }

  private static BytesRef idOf(LeafReader reader, int doc) throws IOException {
    return BytesRef.deepCopyOf(idAt(DocValues.getSorted(reader, Schema.ID), doc));
  }

  private ArrayNode top(long[] counts, boolean channel) {
    List<long[]> list = new ArrayList<>(); // {id, count}
    for (int id = 0; id < counts.length; id++) if (counts[id] > 0) list.add(new long[] {id, counts[id]});
    List<String> names = new ArrayList<>(list.size());
    for (long[] e : list) names.add(channel ? facets.channel((int) e[0]) : facets.nick((int) e[0]));
    Integer[] order = new Integer[list.size()];
    for (int i = 0; i < order.length; i++) order[i] = i;
    java.util.Arrays.sort(order, (a, b) -> list.get(a)[1] != list.get(b)[1] ? Long.compare(list.get(b)[1], list.get(a)[1]) : names.get(a).compareTo(names.get(b)));
    ArrayNode out = JSON.createArrayNode();
    for (int i = 0; i < Math.min(FACETS, order.length); i++) out.addObject().put("value", names.get(order[i])).put("count", list.get(order[i])[1]);
    return out;
  }

  /**
   * The k newest (by ts) of the matches offered, plus every match as old as
   * the k-th (ties: the ids decide later): a min-heap on ts.
   */
  private static final class Newest {
    final int k;
    final long[] ts;
    final int[] docs;
    final LeafReaderContext[] leaves;
    int size;
    /** matches as old as the heap's oldest that are not in the heap */
    final List<Candidate> ties = new ArrayList<>();

    Newest(int k) {
      this.k = k;
      ts = new long[k];
      docs = new int[k];
      leaves = new LeafReaderContext[k];
    }

    long oldest() {
      return ts[0];
    }

    void offer(LeafReaderContext leaf, long t, int doc) throws IOException {
      if (size < k) {
        ts[size] = t;
        docs[size] = doc;
        leaves[size] = leaf;
        up(size++);
        return;
      }
      if (t < ts[0]) return;
      if (t == ts[0]) {
        ties.add(new Candidate(leaf, doc, t, idOf(leaf.reader(), doc)));
        return;
      }
      LeafReaderContext droppedLeaf = leaves[0];
      int droppedDoc = docs[0];
      long droppedTs = ts[0];
      ts[0] = t;
      docs[0] = doc;
      leaves[0] = leaf;
      down(0);
      if (ts[0] == droppedTs) ties.add(new Candidate(droppedLeaf, droppedDoc, droppedTs, idOf(droppedLeaf.reader(), droppedDoc)));
      else if (!ties.isEmpty()) ties.clear(); // the oldest kept is newer now: earlier ties are out
    }

    void drain(List<Candidate> into) throws IOException {
      for (int i = 0; i < size; i++) into.add(new Candidate(leaves[i], docs[i], ts[i], idOf(leaves[i].reader(), docs[i])));
      into.addAll(ties);
    }

    private void up(int i) {
      while (i > 0) {
        int p = (i - 1) >>> 1;
        if (ts[p] <= ts[i]) break;
        swap(i, p);
        i = p;
      }
    }

    private void down(int i) {
      for (;;) {
        int l = 2 * i + 1;
        int r = l + 1;
        int m = i;
        if (l < size && ts[l] < ts[m]) m = l;
        if (r < size && ts[r] < ts[m]) m = r;
        if (m == i) return;
        swap(i, m);
        i = m;
      }
    }

    private void swap(int a, int b) {
      long t = ts[a];
      ts[a] = ts[b];
      ts[b] = t;
      int d = docs[a];
      docs[a] = docs[b];
      docs[b] = d;
      LeafReaderContext l = leaves[a];
      leaves[a] = leaves[b];
      leaves[b] = l;
    }
  }
}
