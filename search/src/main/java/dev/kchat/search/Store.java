package dev.kchat.search;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.SearcherFactory;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.Bits;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.NRTCachingDirectory;

/**
 * The Lucene side of the indexer: one writer, NRT searchers, and commits that
 * carry the Kafka offsets they contain (commit user data), so a restart
 * resumes exactly where the last commit ended. Every event is applied by
 * message id: a message is one document (updateDocument), an edit or a delete
 * rewrites that document. Only the indexer thread calls apply/commit/refresh;
 * searches acquire a searcher from {@link #searchers} on any thread.
 */
final class Store implements Closeable {
  static final String KEY_SCHEMA = "kchat.schema";
  static final String KEY_TOPIC = "kchat.topic";
  static final String KEY_OFFSETS = "kchat.offsets";

  /** the index's folder */
  final Path dir;
  final Directory directory;
  final IndexWriter writer;
  final SearcherManager searchers;
  private final String topic;
  private final Set<String> types;
  /** offsets of the last commit (partition → next offset to read) */
  private final Map<Integer, Long> committed;
  /** the offsets the index was opened at (empty for a new index) */
  private final Map<Integer, Long> resumedFrom;
  /** ids whose document is edited, deleted or a placeholder: a repeated message must not replace them */
  private final Set<String> special = new HashSet<>();
  /** documents written since the last refresh, by id (the searcher does not see them yet) */
  private final Map<String, Message> recent = new HashMap<>();
  private boolean changed;

  private Store(Path dir, Directory directory, IndexWriter writer, String topic, Set<String> types, Map<Integer, Long> committed) throws IOException {
    this.dir = dir;
    this.directory = directory;
    this.writer = writer;
    this.topic = topic;
    this.types = types;
    this.committed = committed;
    this.resumedFrom = Map.copyOf(committed);
    SearcherFactory factory = new SearcherFactory() {
      @Override
      public IndexSearcher newSearcher(IndexReader reader, IndexReader previous) {
        IndexSearcher s = new IndexSearcher(reader);
        s.setQueryCache(null); // every search does its work: predictable memory and honest timings
        return s;
      }
    };
    this.searchers = new SearcherManager(writer, true, false, factory);
    loadSpecial();
  }

  /** Open (or create) the index in dir for topic; an index of an older layout is rebuilt, one of another topic refused. */
  static Store open(Path dir, String topic, Set<String> types, double ramBufferMb, IndexWriter.IndexReaderWarmer mergedSegmentWarmer, BackgroundMerges merges) throws IOException {
    // The index is memory-mapped (MMapDirectory on 64-bit JVMs); the small segments that near-real-time
    // refreshes flush stay in the heap until they merge (no mmap/unmap of tiny files at every refresh).
    Directory directory = new NRTCachingDirectory(FSDirectory.open(dir), 8, 48);
    Map<Integer, Long> offsets = new HashMap<>();
    IndexWriterConfig.OpenMode mode = IndexWriterConfig.OpenMode.CREATE_OR_APPEND;
    if (DirectoryReader.indexExists(directory)) {
      Map<String, String> data = SegmentInfos.readLatestCommit(directory).getUserData();
      String had = data.get(KEY_TOPIC);
      if (!Schema.VERSION.equals(data.get(KEY_SCHEMA))) {
        Log.warn("index layout changed: rebuilding the index from Kafka", "dir", dir, "had", data.get(KEY_SCHEMA), "now", Schema.VERSION);
        mode = IndexWriterConfig.OpenMode.CREATE;
      } else if (had != null && !had.equals(topic)) {
        directory.close();
        throw new IllegalStateException("the index in " + dir + " was built from topic " + had + ", not " + topic
            + ": point the service at another index directory, or remove this one to rebuild it");
      } else {
        offsets = parseOffsets(data.get(KEY_OFFSETS));
      }
    }
    IndexWriterConfig config = new IndexWriterConfig(Schema.analyzer())
        .setOpenMode(mode)
        .setRAMBufferSizeMB(ramBufferMb)
        .setCommitOnClose(false)
        .setMergedSegmentWarmer(mergedSegmentWarmer); // a merged segment is prepared for searches before they see it
    config.setMergeScheduler(merges); // one merge thread, at a low priority: the machine has other work to do
    IndexWriter writer;
    try {
      writer = new IndexWriter(directory, config);
    } catch (org.apache.lucene.store.LockObtainFailedException e) {
      directory.close();
      throw new IllegalStateException("another search service is using the index in " + dir + " (" + e.getMessage() + ")");
    }
    return new Store(dir, directory, writer, topic, types, offsets);
  }

  /** Offsets the last commit holds: partition → next offset to read. */
  Map<Integer, Long> committedOffsets() {
    return committed;
  }

  Map<Integer, Long> resumedFrom() {
    return resumedFrom;
  }

  static Map<Integer, Long> parseOffsets(String s) {
    Map<Integer, Long> out = new LinkedHashMap<>();
    if (s == null || s.isEmpty()) return out;
    for (String part : s.split(",")) {
      int colon = part.indexOf(':');
      out.put(Integer.parseInt(part.substring(0, colon)), Long.parseLong(part.substring(colon + 1)));
    }
    return out;
  }

  /**
   * The ids of the edited, deleted and held documents, read by walking their
   * matches segment by segment: memory grows with how many there are, not with
   * the index (a top-N search for "all of them" sized its queue by maxDoc:
   * ~1.6 GB of placeholders at 50M documents, an OutOfMemoryError at start).
   */
  private void loadSpecial() throws IOException {
    IndexSearcher s = searchers.acquire();
    try {
      BooleanQuery.Builder q = new BooleanQuery.Builder();
      for (String flag : new String[] {Schema.EDITED, Schema.DELETED, Schema.PENDING}) q.add(new TermQuery(new Term(flag, Schema.YES)), BooleanClause.Occur.SHOULD);
      Weight weight = s.createWeight(s.rewrite(q.build()), ScoreMode.COMPLETE_NO_SCORES, 1f);
      Set<String> idOnly = Set.of(Schema.ID);
      for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
        Scorer scorer = weight.scorer(leaf);
        if (scorer == null) continue;
        Bits live = leaf.reader().getLiveDocs();
        StoredFields fields = leaf.reader().storedFields();
        DocIdSetIterator it = scorer.iterator();
        for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
          if (live == null || live.get(doc)) special.add(fields.document(doc, idOnly).get(Schema.ID));
        }
      }
    } finally {
      searchers.release(s);
    }
  }

  /** Apply one event of the log (its Kafka coordinates are the message's when it is one). */
  void apply(Envelope e, int partition, long offset) throws IOException {
    switch (e.kind) {
      case MESSAGE -> {
        Message m = e.message;
        m.partition = partition;
        m.offset = offset;
        if (special.contains(m.id)) {
          Message had = lookup(m.id);
          if (had != null && !had.pending) return; // a repeat of a message already edited or deleted: keep that state
          if (had != null) for (String op : had.pendingOps) applyHeld(m, op);
        }
        write(m);
      }
      case EDIT, DELETE -> {
        Message target = lookup(e.target);
        if (target == null) {
          // the change came before its message: hold it in a placeholder until the message arrives
          target = new Message();
          target.id = e.target;
          target.type = "message";
          target.channel = e.message.channel;
          target.userId = e.message.userId;
          target.nick = e.message.nick;
          target.text = "";
          target.ts = target.textTs = e.message.ts;
          target.textBy = e.target;
          target.pending = true;
        }
        if (target.pending) target.pendingOps.add(e.json);
        else change(target, e);
        write(target);
      }
    }
  }

  private void applyHeld(Message m, String json) {
    try {
      change(m, Envelope.held(json, types));
    } catch (Envelope.Invalid err) {
      Log.warn("dropping a held change that no longer parses", "id", m.id, "reason", err.getMessage());
    }
  }

  private static void change(Message m, Envelope e) {
    if (!allowed(m, e)) return;
    if (e.kind == Envelope.Kind.EDIT) m.edit(e.message.id, e.message.text, e.message.ts);
    else m.delete(e.message.ts, e.message.nick);
  }

  /**
   * The one rule of core/conversation.ts (changeRefusal), so the index agrees
   * with every other reader of the log: only messages and bot answers change,
   * in their own channel; the author edits; the author or an admin
   * (meta.role) deletes; nothing changes a deleted message. A change that
   * breaks it (a forged or late event) changes nothing here either.
   */
  static boolean allowed(Message m, Envelope e) {
    if (!m.type.equals("message") && !m.type.equals("bot")) return false;
    if (!m.channel.toLowerCase(java.util.Locale.ROOT).equals(e.message.channel.toLowerCase(java.util.Locale.ROOT))) return false;
    if (m.deleted()) return false;
    boolean own = m.userId.equals(e.message.userId);
    return e.kind == Envelope.Kind.EDIT ? own : own || "admin".equals(e.role);
  }

  private void write(Message m) throws IOException {
    writer.updateDocument(new Term(Schema.ID, m.id), Schema.toDocument(m));
    if (m.special()) special.add(m.id);
    else special.remove(m.id);
    // only what lookups may need: documents that can still be changed by id
    recent.put(m.id, m);
    changed = true;
  }

  /** The current state of a message: written since the last refresh, else as the searcher sees it. */
  private Message lookup(String id) throws IOException {
    Message m = recent.get(id);
    if (m != null) return m;
    IndexSearcher s = searchers.acquire();
    try {
      TopDocs top = s.search(new TermQuery(new Term(Schema.ID, id)), 1);
      if (top.scoreDocs.length == 0) return null;
      Document d = s.storedFields().document(top.scoreDocs[0].doc);
      return Schema.fromDocument(d);
    } finally {
      searchers.release(s);
    }
  }

  /** Documents written since the last refresh. */
  int unrefreshed() {
    return recent.size();
  }

  boolean changed() {
    return changed;
  }

  /** Make everything written so far visible to searches. */
  void refresh() throws IOException {
    searchers.maybeRefreshBlocking();
    recent.clear();
  }

  /** Durably commit what was written, with the offsets it covers. */
  void commit(Map<Integer, Long> offsets) throws IOException {
    StringBuilder s = new StringBuilder();
    for (Map.Entry<Integer, Long> e : offsets.entrySet()) {
      if (s.length() > 0) s.append(',');
      s.append(e.getKey()).append(':').append(e.getValue());
    }
    Map<String, String> data = new HashMap<>();
    data.put(KEY_SCHEMA, Schema.VERSION);
    data.put(KEY_TOPIC, topic);
    data.put(KEY_OFFSETS, s.toString());
    writer.setLiveCommitData(data.entrySet());
    writer.commit();
    committed.clear();
    committed.putAll(offsets);
    changed = false;
  }

  int docs() {
    return writer.getDocStats().numDocs;
  }

  /** Bytes of the index files on disk. */
  long sizeOnDisk() {
    long total = 0;
    try {
      for (String f : directory.listAll()) {
        try {
          total += directory.fileLength(f);
        } catch (IOException | RuntimeException ignored) {
          // a file merged away meanwhile
        }
      }
    } catch (IOException ignored) {
      // reported as 0
    }
    return total;
  }

  /** Close without another commit (the caller commits first); running merges are abandoned, not awaited. */
  @Override
  public void close() throws IOException {
    searchers.close();
    writer.rollback();
    directory.close();
  }
}
