package dev.kchat.search;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads chat.events with Kafka's own consumer and applies every record to the
 * {@link Store}. Every partition is assigned (not subscribed: each audit node
 * keeps a whole index) and positioned at the offsets of the last Lucene
 * commit — the source of truth; the group's committed offsets are written
 * after each Lucene commit only so Kafka's tools can show the lag.
 *
 * Freshness: {@link #awaitVisible} lets a search wait until everything the
 * log held when it arrived is visible (end offsets from a second consumer),
 * refreshing the searcher as soon as the indexer got there.
 */
final class Indexer implements Runnable {
  private final String topic;
  private final Store store;
  private final Set<String> types;
  private final KafkaConsumer<byte[], byte[]> consumer;
  /** a consumer without a group, only for end offsets (searches ask it from their threads) */
  private final KafkaConsumer<byte[], byte[]> probe;
  private final String group;
  private final long commitMs;
  private final long refreshMs;
  private final long paceMs;
  /** the indexing thread, unparked by a search that waits for it (see PACE_RECORDS) */
  private volatile Thread runner;
  /**
   * A poll that brought fewer records than this while the index is caught up is a live chat's trickle: the next
   * poll waits paceMs first (or until a search waits). With fetch.min.bytes at 1 the indexer otherwise fetched,
   * indexed and went back to Kafka for every one or two messages: at 200 messages/s it was the broker's busiest
   * client (~100 fetches/s) and woke up as often, on the machine that also carries the chat's gateway.
   */
  private static final int PACE_RECORDS = 1_000;

  private final Object lock = new Object();
  /** next offset applied to the writer, per partition (indexer thread) */
  private final Map<Integer, Long> applied = new TreeMap<>();
  /** next offset whose record is visible to searches, per partition (under lock) */
  private Map<Integer, Long> visible = Map.of();
  private final AtomicInteger waiting = new AtomicInteger();
  /** the highest offsets any waiting search asked for (under lock): refresh once the indexer is there */
  private Map<Integer, Long> wanted = new TreeMap<>();
  private volatile boolean stopping;
  private volatile boolean caughtUp;
  /** records applied since the heap was last given back: a catch-up (an import, a restart) gives its heap back when it ends */
  private long burst;
  private static final long BURST_RECORDS = 10_000;
  /** ... if G1 grew the heap past this meanwhile (idle it holds ~64 MiB): chat at its own pace never triggers a collection */
  private static final long GROWN_BYTES = 128L << 20;
  private volatile String state = "starting";
  private volatile long lag = -1;
  final AtomicLong indexed = new AtomicLong();
  final AtomicLong rejected = new AtomicLong();
  private long lastRejectLog;

  Indexer(String brokers, String topic, String group, Store store, Set<String> types, long commitMs, long refreshMs, long paceMs) {
    this.topic = topic;
    this.group = group;
    this.store = store;
    this.types = types;
    this.commitMs = commitMs;
    this.refreshMs = refreshMs;
    this.paceMs = paceMs;
    this.consumer = new KafkaConsumer<>(props(brokers, group, "kchat-search-indexer"));
    this.probe = new KafkaConsumer<>(props(brokers, null, "kchat-search-probe"));
  }

  private static Properties props(String brokers, String group, String clientId) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    if (group != null) p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(4 << 20));
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(16 << 20)); // bounded heap: at most 16 MiB of records in flight
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return p;
  }

  boolean caughtUp() {
    return caughtUp;
  }

  String state() {
    return state;
  }

  /** Records the indexer has not read yet (from the last fetch), -1 before the first. */
  long lag() {
    return lag;
  }

  Map<Integer, Long> visibleOffsets() {
    synchronized (lock) {
      return visible;
    }
  }

  /** set once the probe answered: later calls wait less before giving up (a broker away should not stall searches) */
  private volatile boolean probeConnected;

  /** The log's end offsets now (partition → next offset to be written). */
  Map<Integer, Long> endOffsets() {
    synchronized (probe) {
      Duration wait = Duration.ofSeconds(probeConnected ? 2 : 10);
      List<TopicPartition> parts = new ArrayList<>();
      for (PartitionInfo p : probe.partitionsFor(topic, wait)) parts.add(new TopicPartition(topic, p.partition()));
      Map<Integer, Long> out = new TreeMap<>();
      probe.endOffsets(parts, wait).forEach((tp, off) -> out.put(tp.partition(), off));
      probeConnected = true;
      return out;
    }
  }

  /**
   * Wait until everything up to `target` is visible to searches and the index has caught up with the log as it was
   * at start (searches answer "still building" until then); false when the time ran out first. After a restart the
   * resumed offsets are visible at once, before the indexer's first poll sets the caught-up flag: without the flag
   * here, a /sync answered in that moment let the next search say "still building" (seen in CI).
   */
  boolean awaitVisible(Map<Integer, Long> target, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    synchronized (lock) {
      if (caughtUp && reached(visible, target)) return true;
      Map<Integer, Long> merged = new TreeMap<>(wanted);
      target.forEach((p, off) -> merged.merge(p, off, Math::max));
      wanted = merged;
    }
    waiting.incrementAndGet();
    try {
      consumer.wakeup(); // do not sit out a poll (or a pause between polls): refresh as soon as the records are in
      Thread t = runner;
      if (t != null) LockSupport.unpark(t);
      synchronized (lock) {
        while (!(caughtUp && reached(visible, target))) {
          long left = deadline - System.currentTimeMillis();
          if (left <= 0) return false;
          lock.wait(left);
        }
        return true;
      }
    } finally {
      waiting.decrementAndGet();
    }
  }

  private boolean wantedReached() {
    synchronized (lock) {
      return reached(applied, wanted);
    }
  }

  static boolean reached(Map<Integer, Long> have, Map<Integer, Long> target) {
    for (Map.Entry<Integer, Long> t : target.entrySet()) {
      if (have.getOrDefault(t.getKey(), 0L) < t.getValue()) return false;
    }
    return true;
  }

  void stop() {
    stopping = true;
    consumer.wakeup();
    Thread t = runner;
    if (t != null) LockSupport.unpark(t);
  }

  /** Assign and position every partition and read the log's end, retrying while Kafka cannot be reached; null when stopped first. */
  private Map<Integer, Long> connect() throws InterruptedException {
    long warned = 0;
    while (!stopping) {
      try {
        if (assign()) return endOffsets();
      } catch (WakeupException e) {
        // a search woke us, or we are stopping: check and go on
      } catch (KafkaException e) {
        long now = System.currentTimeMillis();
        if (now - warned >= 10_000) {
          warned = now;
          Log.warn("Kafka cannot be reached yet; the index answers as it is and the indexer retries", "error", e.getMessage());
        }
      }
      Thread.sleep(500);
    }
    return null;
  }

  @Override
  public void run() {
    runner = Thread.currentThread();
    try {
      Map<Integer, Long> startEnd = connect();
      if (startEnd == null) {
        state = "stopped";
        return;
      }
      Log.info("indexer started", "topic", topic, "group", group, "from", applied.toString(), "end", startEnd.toString(), "docs", store.docs());
      publish();
      long lastCommit = System.currentTimeMillis();
      long lastRefresh = lastCommit;
      long lastPartitionCheck = lastCommit;
      Map<Integer, Long> committedAt = new TreeMap<>(applied);
      state = "catching_up";
      while (!stopping) {
        ConsumerRecords<byte[], byte[]> records = ConsumerRecords.empty();
        try {
          records = consumer.poll(Duration.ofMillis(200));
        } catch (WakeupException e) {
          // a search is waiting, or we are stopping
        } catch (KafkaException e) {
          // e.g. the broker restarting: the consumer reconnects by itself; the index keeps answering
          pollTrouble(e);
        }
        for (ConsumerRecord<byte[], byte[]> r : records) apply(r);
        updateApplied();
        long now = System.currentTimeMillis();
        lag = totalLag();
        // Idle = the poll found nothing. Not "caught up": a live chat is caught up after every poll, and a
        // refresh per poll (each one a new segment, merged again later) made the indexer and its JIT
        // compiler the busiest threads on the machine at 200 messages/s. A search never needs it: it waits
        // for the log's end and asks for its own refresh (`asked`); otherwise at most every refreshMs.
        boolean idle = records.isEmpty();
        boolean asked = waiting.get() > 0 && wantedReached();
        // while catching up on a long backlog, refresh rarely: every refresh flushes a segment
        long every = lag > 100_000 ? Math.max(refreshMs, 15_000) : refreshMs;
        if (store.unrefreshed() > 0 && (asked || idle || now - lastRefresh >= every || store.unrefreshed() >= 100_000)) {
          store.refresh();
          lastRefresh = now;
        }
        // before publish(): a /sync waiter woken by it must find the flag set already, or the search
        // it answers next says "still building" (caught up = what was in the log at start is searchable)
        if (!caughtUp && store.unrefreshed() == 0 && reached(applied, startEnd)) {
          caughtUp = true;
          state = "ready";
          Log.info("index caught up with the log", "docs", store.docs(), "offsets", applied.toString());
        }
        publish();
        // (counted in records, not by the largest lag: an indexer that keeps pace with an import never lags far)
        burst += records.count();
        if (records.isEmpty() && lag == 0 && burst >= BURST_RECORDS && store.unrefreshed() == 0) {
          // G1 would return the heap the catch-up grew by itself, but only after its periodic collection
          // (15 s idle); meanwhile the product's other processes (Kiwi counting the same import's topics)
          // may need that memory now
          // (the tail of an import kept at the server's pace is short: counting only long bursts left
          // the heap its last seconds grew until G1's periodic collection, while Kiwi loaded beside it)
          burst = 0;
          long before = Runtime.getRuntime().totalMemory();
          if (before > GROWN_BYTES) {
            System.gc();
            Log.info("catch-up done: heap given back", "committed_mib_before", before >> 20, "committed_mib_after", Runtime.getRuntime().totalMemory() >> 20);
          }
        }
        if (!applied.equals(committedAt) && (now - lastCommit >= commitMs)) {
          commit();
          committedAt = new TreeMap<>(applied);
          lastCommit = now;
        }
        if (now - lastPartitionCheck >= 30_000) {
          lastPartitionCheck = now;
          assignNewPartitions();
        }
        // (unpark's permit covers a search that arrives between the check and the park)
        if (paceMs > 0 && caughtUp && !records.isEmpty() && records.count() < PACE_RECORDS && waiting.get() == 0 && !stopping) {
          LockSupport.parkNanos(paceMs * 1_000_000L);
        }
      }
      if (!applied.equals(committedAt)) commit();
      state = "stopped";
    } catch (Throwable t) {
      state = "failed";
      Log.error("indexer failed; the service exits so its supervisor restarts it from the last commit", t);
      Runtime.getRuntime().halt(70);
    } finally {
      try {
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(2)));
      } catch (RuntimeException ignored) {
        // closing anyway
      }
      synchronized (probe) {
        probe.close(CloseOptions.timeout(Duration.ofSeconds(1)));
      }
    }
  }

  private long lastPollWarning;

  private void pollTrouble(KafkaException e) throws InterruptedException {
    long now = System.currentTimeMillis();
    if (now - lastPollWarning >= 10_000) {
      lastPollWarning = now;
      Log.warn("reading Kafka failed; retrying", "error", e.getMessage());
    }
    Thread.sleep(200);
  }

  /**
   * Move the applied offsets past what the consumer skipped without a record
   * (transaction markers): only ever forward, so the offsets committed with
   * the index never claim less than what the index holds.
   */
  private void updateApplied() {
    for (TopicPartition tp : consumer.assignment()) {
      try {
        long next;
        try {
          next = consumer.position(tp, Duration.ofMillis(100));
        } catch (WakeupException e) {
          next = consumer.position(tp, Duration.ofMillis(100)); // the wake-up is used up by the first call
        }
        applied.merge(tp.partition(), next, Math::max);
      } catch (KafkaException e) {
        // position unknown right now (broker away): the record offsets below stand
      }
    }
  }

  private void apply(ConsumerRecord<byte[], byte[]> r) throws java.io.IOException {
    applied.put(r.partition(), r.offset() + 1);
    Envelope e;
    try {
      e = Envelope.parse(r.value(), types);
    } catch (Envelope.Invalid bad) {
      reject(r, bad.getMessage());
      return;
    }
    try {
      store.apply(e, r.partition(), r.offset());
      indexed.incrementAndGet();
    } catch (IllegalArgumentException bad) {
      // a document Lucene refuses (e.g. a term too long): skip the record, keep indexing
      reject(r, bad.getMessage());
    }
  }

  private void reject(ConsumerRecord<byte[], byte[]> r, String reason) {
    rejected.incrementAndGet();
    long now = System.currentTimeMillis();
    if (now - lastRejectLog >= 1000) {
      lastRejectLog = now;
      Log.warn("skipped a record that is not a valid envelope", "partition", r.partition(), "offset", r.offset(), "reason", reason, "rejected", rejected.get());
    }
  }

  private void publish() {
    synchronized (lock) {
      // what the current searcher shows: everything applied before the last refresh
      if (store.unrefreshed() == 0) visible = Map.copyOf(applied);
      lock.notifyAll();
    }
  }

  private long totalLag() {
    long sum = 0;
    for (TopicPartition tp : consumer.assignment()) {
      OptionalLong l = consumer.currentLag(tp);
      if (l.isEmpty()) return -1;
      sum += l.getAsLong();
    }
    return sum;
  }

  private void commit() throws java.io.IOException {
    store.commit(new TreeMap<>(applied));
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    applied.forEach((p, off) -> offsets.put(new TopicPartition(topic, p), new OffsetAndMetadata(off)));
    consumer.commitAsync(offsets, (o, err) -> {
      if (err != null) Log.debug("group offsets not committed (only shown to Kafka's tools)", "error", err.getMessage());
    });
  }

  /** Assign every partition of the topic, positioned at the offsets of the last Lucene commit; false while the topic is missing. */
  private boolean assign() {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
    if (infos == null || infos.isEmpty()) {
      Log.warn("topic not found yet; waiting for it", "topic", topic);
      return false;
    }
    List<TopicPartition> parts = new ArrayList<>();
    for (PartitionInfo p : infos) parts.add(new TopicPartition(topic, p.partition()));
    consumer.assign(parts);
    position(parts);
    return true;
  }

  private void position(List<TopicPartition> parts) {
    Map<Integer, Long> from = store.committedOffsets();
    List<TopicPartition> fresh = new ArrayList<>();
    for (TopicPartition tp : parts) {
      Long off = from.get(tp.partition());
      if (off != null) consumer.seek(tp, off);
      else fresh.add(tp);
    }
    if (!fresh.isEmpty()) consumer.seekToBeginning(fresh);
    for (TopicPartition tp : parts) applied.put(tp.partition(), consumer.position(tp, Duration.ofSeconds(5)));
  }

  private void assignNewPartitions() {
    try {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
      if (infos == null || infos.size() <= consumer.assignment().size()) return;
      List<TopicPartition> all = new ArrayList<>(consumer.assignment());
      List<TopicPartition> added = new ArrayList<>();
      for (PartitionInfo p : infos) {
        TopicPartition tp = new TopicPartition(topic, p.partition());
        if (!all.contains(tp)) {
          all.add(tp);
          added.add(tp);
        }
      }
      consumer.assign(all);
      position(added);
      Log.info("new partitions assigned", "partitions", added.toString());
    } catch (RuntimeException e) {
      Log.warn("could not check the topic's partitions", "error", e.getMessage());
    }
  }
}
