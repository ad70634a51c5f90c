package dev.kchat.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.search.IndexSearcher;

/**
 * The service's HTTP/JSON API (loopback by default). Every request needs
 * {@code Authorization: Bearer <KCHAT_SEARCH_TOKEN>}: the index holds every
 * message of every channel.
 *   GET  /health  → {"status":"ok"|"starting", "warm", "docs", "lag", "offsets", …}
 *   POST /search  a SearchQuery → {"hits","has_more","total","facets","took_ms","fresh"}
 *   POST /sync    {"timeout_ms"} → waits until the log's current end is searchable
 * Errors are {"error": "…"} with 400 (bad query), 401, 404, 405, 413 or 503.
 */
final class HttpApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_BODY = 1 << 20;
  private static final long SAVE_RECENT_MS = 5_000;

  private final HttpServer server;
  private final ExecutorService pool;
  private final byte[] token;
  private final Store store;
  private final Indexer indexer;
  private final long started = System.currentTimeMillis();
  private final Searcher searcher;
  private final Warmer warmer;
  private final Facets facets;
  private final BackgroundMerges merges;
  private final RecentSearches recent;
  /** writes the recent searches now and then (a restart's warm-up reads them) */
  private final ScheduledExecutorService saving = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "search-recent");
    t.setDaemon(true);
    return t;
  });
  /** reads the log's end for searches that want fresh answers (one at a time: the probe is one Kafka consumer) */
  private final ExecutorService probes = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "search-probe");
    t.setDaemon(true);
    return t;
  });

  HttpApi(String host, int port, String token, Store store, Indexer indexer, int threads, int searchThreads, long warmMinDocs, int splitMinDocs, Facets facets, BackgroundMerges merges) throws IOException {
    this.token = sha256(token);
    this.store = store;
    this.indexer = indexer;
    this.facets = facets;
    this.merges = merges;
    this.searcher = new Searcher(Executors.newFixedThreadPool(Math.max(1, searchThreads - 1), r -> {
      Thread t = new Thread(r, "search-worker");
      t.setDaemon(true);
      return t;
    }), searchThreads, Math.max(1, splitMinDocs), facets);
    this.recent = new RecentSearches(store.dir);
    this.warmer = new Warmer(store, searcher, warmMinDocs, indexer::caughtUp, recent.load());
    // small answers must not wait for a delayed ACK (Nagle): ~40 ms per request otherwise
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer bound;
    try {
      bound = HttpServer.create(new InetSocketAddress(host, port), 64);
    } catch (java.net.BindException e) {
      if (port == 0) throw e;
      Log.warn("the port of the last run is taken; listening on another one", "port", port);
      bound = HttpServer.create(new InetSocketAddress(host, 0), 64);
    }
    this.server = bound;
    this.pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "search-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(pool);
    server.createContext("/", this::handle);
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** Answer requests, and warm the search loop up in the background meanwhile. */
  void start() {
    server.start();
    saving.scheduleWithFixedDelay(this::saveRecent, SAVE_RECENT_MS, SAVE_RECENT_MS, TimeUnit.MILLISECONDS);
    Thread warming = new Thread(warmer, "search-warmer");
    warming.setDaemon(true);
    warming.start();
  }

  void stop() {
    server.stop(0);
    saving.shutdownNow();
    saveRecent();
    pool.shutdown();
    try {
      pool.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    probes.shutdownNow();
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void saveRecent() {
    try {
      recent.save();
    } catch (IOException | RuntimeException e) {
      Log.warn("the recent searches could not be written; the next warm-up runs without the newest", "error", String.valueOf(e.getMessage()));
    }
  }

  private boolean authorized(HttpExchange ex) {
    String h = ex.getRequestHeaders().getFirst("Authorization");
    if (h == null || !h.startsWith("Bearer ")) return false;
    return MessageDigest.isEqual(sha256(h.substring(7).trim()), token);
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      if (!authorized(ex)) {
        send(ex, 401, error("missing or wrong bearer token (KCHAT_SEARCH_TOKEN)"));
        return;
      }
      String method = ex.getRequestMethod();
      switch (path) {
        case "/health" -> {
          if (!method.equals("GET")) send(ex, 405, error("use GET /health"));
          else send(ex, 200, health());
        }
        case "/search" -> {
          if (!method.equals("POST")) send(ex, 405, error("use POST /search with a JSON query"));
          else search(ex);
        }
        case "/sync" -> {
          if (!method.equals("POST")) send(ex, 405, error("use POST /sync"));
          else sync(ex);
        }
        default -> send(ex, 404, error("no such endpoint: " + path));
      }
    } catch (RuntimeException | IOException e) {
      Log.error("request failed", e, "path", ex.getRequestURI().getPath());
      try {
        send(ex, 500, error("internal error: " + e.getClass().getSimpleName()));
      } catch (IOException | RuntimeException ignored) {
        // the response was already under way
      }
    }
  }

  private ObjectNode health() {
    ObjectNode h = JSON.createObjectNode();
    h.put("status", indexer.caughtUp() ? "ok" : "starting");
    h.put("state", indexer.state());
    h.put("warm", warmer.warm());
    h.put("docs", store.docs());
    h.put("resumed", !store.resumedFrom().isEmpty());
    h.put("lag", indexer.lag());
    h.put("indexed", indexer.indexed.get());
    h.put("rejected", indexer.rejected.get());
    ObjectNode offsets = h.putObject("offsets");
    indexer.visibleOffsets().forEach((p, off) -> offsets.put(String.valueOf(p), off));
    h.put("index_bytes", store.sizeOnDisk());
    Runtime rt = Runtime.getRuntime();
    h.put("heap_used", rt.totalMemory() - rt.freeMemory());
    h.put("heap_max", rt.maxMemory());
    h.put("facets_bytes", facets.bytes()); // outside the heap, within its budget
    ObjectNode m = h.putObject("merges");
    m.put("done", merges.merges());
    Integer nice = merges.kernelNice();
    if (nice == null) m.putNull("nice");
    else m.put("nice", nice); // as the kernel ran the last merge thread
    h.put("uptime_ms", System.currentTimeMillis() - started);
    return h;
  }

  private void search(HttpExchange ex) throws IOException {
    long t0 = System.nanoTime();
    SearchQuery q;
    JsonNode body;
    try {
      body = body(ex);
      q = SearchQuery.parse(body);
    } catch (SearchQuery.Bad | BadBody e) {
      send(ex, e instanceof BadBody b ? b.status : 400, error(e.getMessage()));
      return;
    }
    // The log's end is read beside the search, not before it (a broker round trip, 1–10 ms): when the searcher
    // already held everything up to it, the answer stands; otherwise wait until it is searchable and search again.
    Future<Map<Integer, Long>> end = q.freshMs > 0 && !probeResting() ? probes.submit(indexer::endOffsets) : null;
    Map<Integer, Long> seen = indexer.visibleOffsets(); // before the acquire: the searcher holds at least these
    boolean caughtUp = indexer.caughtUp();
    ObjectNode out = run(q);
    recent.record(body); // answered: worth warming after a restart
    boolean fresh;
    double probeWaitMs = 0;
    if (q.freshMs <= 0) {
      fresh = caughtUp;
    } else {
      long w0 = System.nanoTime();
      Map<Integer, Long> target = end == null ? null : endOffsets(end);
      probeWaitMs = (System.nanoTime() - w0) / 1e6; // the log's end read after the search was done: time the answer waited for it
      if (target == null) {
        fresh = false;
      } else if (caughtUp && Indexer.reached(seen, target)) {
        fresh = true;
      } else {
        fresh = awaitVisible(target, q.freshMs);
        out = run(q);
      }
    }
    if (q.freshMs > 0) out.put("probe_wait_ms", probeWaitMs);
    out.put("fresh", fresh);
    out.put("caught_up", indexer.caughtUp());
    out.put("lag", indexer.lag());
    out.put("took_ms", (System.nanoTime() - t0) / 1e6);
    send(ex, 200, out);
  }

  private void sync(HttpExchange ex) throws IOException {
    long timeout;
    try {
      timeout = Math.max(0, Math.min(600_000, body(ex).path("timeout_ms").asLong(30_000)));
    } catch (BadBody e) {
      send(ex, e.status, error(e.getMessage()));
      return;
    }
    boolean ok = awaitFresh(timeout);
    ObjectNode out = health();
    out.put("fresh", ok);
    send(ex, ok ? 200 : 503, out);
  }

  private ObjectNode run(SearchQuery q) throws IOException {
    IndexSearcher s = store.searchers.acquire();
    try {
      return searcher.search(s, q);
    } finally {
      store.searchers.release(s);
    }
  }

  /** when reading the log's end last failed: searches meanwhile answer from the index at once */
  private volatile long probeFailedAt;

  private boolean probeResting() {
    return System.currentTimeMillis() - probeFailedAt < 5_000;
  }

  /** The log's end as the probe read it; null when Kafka could not be asked (the answer is then not "fresh"). */
  private Map<Integer, Long> endOffsets(Future<Map<Integer, Long>> end) {
    try {
      return end.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (ExecutionException e) {
      if (System.currentTimeMillis() - probeFailedAt >= 60_000) Log.warn("could not read the log's end offsets (Kafka away?); answering from the index as it is", "error", String.valueOf(e.getCause().getMessage()));
      probeFailedAt = System.currentTimeMillis();
      return null;
    }
  }

  private boolean awaitVisible(Map<Integer, Long> target, long ms) {
    try {
      return indexer.awaitVisible(target, ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Wait (up to ms) until everything in the log now is searchable. */
  private boolean awaitFresh(long ms) {
    if (probeResting()) return false;
    Map<Integer, Long> end = endOffsets(probes.submit(indexer::endOffsets));
    return end != null && awaitVisible(end, ms);
  }

  private static final class BadBody extends Exception {
    final int status;

    BadBody(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  private static JsonNode body(HttpExchange ex) throws IOException, BadBody {
    byte[] bytes;
    try (InputStream in = ex.getRequestBody()) {
      bytes = in.readNBytes(MAX_BODY + 1);
    }
    if (bytes.length > MAX_BODY) throw new BadBody(413, "request body over " + MAX_BODY + " bytes");
    if (bytes.length == 0) return JSON.createObjectNode();
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      throw new BadBody(400, "request body is not JSON: " + String.valueOf(e.getMessage()).split("\n")[0]);
    }
  }

  private static ObjectNode error(String message) {
    return JSON.createObjectNode().put("error", message);
  }

  private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
