package dev.kchat.search;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * kchat's search service: Lucene index fed from chat.events, HTTP/JSON API.
 * Started and supervised by the product (search/service.ts); can run alone:
 * see --help and docs/search.md. Prints one line on stdout once it listens:
 * {"listening":{"host":…,"port":…}}.
 */
public final class Main {
  private static final String HELP = """
      Usage: java -cp 'search/libs/*:search/build/classes' dev.kchat.search.Main [options]

      kchat's search service: keeps a Lucene index of a chat.events topic (consumed
      with Kafka's client; the offsets live in each Lucene commit) and answers
      searches over HTTP/JSON. The bearer token comes from KCHAT_SEARCH_TOKEN.

        --brokers HOST:PORT[,…]   Kafka bootstrap servers (required)
        --topic NAME              the chat.events topic (required)
        --group NAME              consumer group the offsets are also shown under (required)
        --index DIR               index directory (required; created when missing)
        --types a,b,…             envelope types indexed as documents
                                  (default message,join,leave,nick,bot,system; edit/delete always apply)
        --host ADDR               listen address (default 127.0.0.1)
        --port N                  listen port (default 0 = any free port)
        --commit-ms N             Lucene commit (with offsets) at most this often (default 5000)
        --refresh-ms N            new messages searchable within this while busy (default 1000)
        --pace-ms N               while a live chat trickles in, poll Kafka at most this often
                                  (default 50; 0 = after every record batch; a search never waits for it)
        --ram-buffer-mb N         indexing buffer before a segment is flushed (default 64)
        --merge-nice N            the merge thread's nice value, 0–19 (default 19: merges take the
                                  cores searches and the chat leave; 0 = the JVM's priority; Linux)
        --threads N               HTTP worker threads (default 4)
        --search-threads N        threads that share one search (default: cores, at most 4)
        --split-min-docs N        a segment is shared between search threads in parts of at least this many
                                  documents (default 50000)
        --warm-min-docs N         warm the search loop up after the start from this many documents
                                  (default 200000; smaller indexes answer fast from the first search)
        --facet-bytes N           memory (outside the heap) for the facets' per-document ordinals, two bytes
                                  a message (default a quarter of -Xmx; 0 = read them from the index)
        --log-level LEVEL         trace|debug|info|warn|error (default info)
        --parent-pid N            exit (with a last commit) when process N is gone
      """;

  private Main() {}

  public static void main(String[] argv) {
    try {
      run(argv);
    } catch (Exception e) {
      Log.error("the search service could not start", e);
      System.err.println("kchat search: " + e.getMessage());
      System.exit(1);
    }
  }

  private static void run(String[] argv) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (int i = 0; i < argv.length; i++) {
      String k = argv[i];
      if (k.equals("--help") || k.equals("-h")) {
        System.out.print(HELP);
        return;
      }
      if (!k.startsWith("--") || i + 1 >= argv.length) fail("unexpected argument " + k + " (see --help)");
      a.put(k.substring(2), argv[++i]);
    }
    Log.level(a.getOrDefault("log-level", "info"));
    String token = System.getenv("KCHAT_SEARCH_TOKEN");
    if (token == null || token.isBlank()) fail("KCHAT_SEARCH_TOKEN is not set: the service refuses to serve the index without a bearer token");
    String brokers = required(a, "brokers");
    String topic = required(a, "topic");
    String group = required(a, "group");
    Path index = Path.of(required(a, "index"));
    Set<String> types = new LinkedHashSet<>(List.of(a.getOrDefault("types", "message,join,leave,nick,bot,system").split(",")));
    types.remove("edit");
    types.remove("delete");
    Files.createDirectories(index);

    long t0 = System.currentTimeMillis();
    // the facets' per-document ordinals (2 bytes a message, outside the heap): by default a quarter of -Xmx, 48M messages at 384m
    Facets facets = new Facets((long) number(a, "facet-bytes", Runtime.getRuntime().maxMemory() / 4));
    BackgroundMerges merges = new BackgroundMerges((int) number(a, "merge-nice", 19));
    Store store = Store.open(index, topic, types, number(a, "ram-buffer-mb", 64), facets::prepare, merges);
    Log.info("index opened", "dir", index, "docs", store.docs(), "ms", System.currentTimeMillis() - t0);
    Indexer indexer = new Indexer(brokers, topic, group, store, types, (long) number(a, "commit-ms", 5000), (long) number(a, "refresh-ms", 1000), (long) number(a, "pace-ms", 50));
    int searchThreads = (int) number(a, "search-threads", Math.min(4, Runtime.getRuntime().availableProcessors()));
    HttpApi api = new HttpApi(a.getOrDefault("host", "127.0.0.1"), (int) number(a, "port", 0), token, store, indexer, (int) number(a, "threads", 4), searchThreads, (long) number(a, "warm-min-docs", Warmer.MIN_DOCS), (int) number(a, "split-min-docs", Searcher.SPLIT_MIN_DOCS), facets, merges);
    Thread indexing = new Thread(indexer, "search-indexer");
    indexing.start();
    api.start();

    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      Log.info("stopping: last commit, then exit");
      api.stop();
      indexer.stop();
      try {
        indexing.join(6000);
        store.close();
      } catch (Exception e) {
        Log.error("stopping failed; the next start resumes from the last commit", e);
      }
      Log.info("stopped");
    }, "search-shutdown"));

    if (a.containsKey("parent-pid")) watchParent((long) number(a, "parent-pid", 0));
    System.out.println("{\"listening\":{\"host\":\"" + a.getOrDefault("host", "127.0.0.1") + "\",\"port\":" + api.port() + "}}");
    System.out.flush();
    Log.info("listening", "port", api.port(), "ms", System.currentTimeMillis() - t0);
  }

  /** The supervisor may die without stopping us (SIGKILL): then stop cleanly by ourselves. */
  private static void watchParent(long pid) {
    Thread t = new Thread(() -> {
      while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        try {
          Thread.sleep(1000);
        } catch (InterruptedException e) {
          return;
        }
      }
      Log.warn("the supervising process is gone; stopping", "parent", pid);
      System.exit(0);
    }, "search-parent-watch");
    t.setDaemon(true);
    t.start();
  }

  private static String required(Map<String, String> a, String key) {
    String v = a.get(key);
    if (v == null || v.isBlank()) fail("--" + key + " is required (see --help)");
    return v;
  }

  private static double number(Map<String, String> a, String key, double fallback) {
    String v = a.get(key);
    if (v == null) return fallback;
    try {
      double d = Double.parseDouble(v);
      if (d < 0) throw new NumberFormatException();
      return d;
    } catch (NumberFormatException e) {
      fail("--" + key + " must be a non-negative number, got \"" + v + "\"");
      return fallback;
    }
  }

  private static void fail(String message) {
    System.err.println("kchat search: " + message);
    System.exit(2);
  }
}
