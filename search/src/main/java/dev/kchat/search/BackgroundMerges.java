package dev.kchat.search;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.index.ConcurrentMergeScheduler;
import org.apache.lucene.index.MergePolicy;

/**
 * Lucene's merge scheduler, one merge thread, run at a low priority (a nice value, Linux). A merge is
 * background work: after an import or a catch-up it takes a core for minutes, on a machine whose cores the
 * searches, the chat server and its topic count share. At nice 0 it competes with a search's threads as
 * their equal; at nice 19 it takes what the others leave; when that is too little, the writer holds the indexer back
 * (at most two merges wait) instead of piling up segments.
 *
 * <p>Java has no call for a thread's nice value: the merge thread finds its kernel thread id
 * (/proc/thread-self) and has `renice` run on it — only its own thread, never the process. Where that is not
 * possible (not Linux, no renice), merges run at the JVM's priority and the service says so once.
 *
 * <p>A thread starts at the nice value of the thread that creates it, so `renice` is started from a thread
 * of the service's own priority ({@link #helper}, started with the scheduler): the JDK's process reaper
 * thread, which that start may create, must not inherit a merge thread's 19.
 */
final class BackgroundMerges extends ConcurrentMergeScheduler {
  private final int nice;
  private final AtomicLong done = new AtomicLong();
  /** the nice value the kernel gave the last merge thread (read back from /proc), or null before a merge */
  private volatile Integer kernelNice;
  private volatile boolean warned;
  /** the one thread that starts `renice` (started now, at the creating thread's priority; never times out) */
  private final ThreadPoolExecutor helper;

  /** nice: 0–19; 0 leaves merges at the JVM's priority */
  BackgroundMerges(int nice) {
    if (nice < 0 || nice > 19) throw new IllegalArgumentException("--merge-nice must be 0–19, not " + nice);
    this.nice = nice;
    setMaxMergesAndThreads(2, 1);
    helper = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "search-merge-nice");
      t.setDaemon(true);
      return t;
    });
    helper.prestartAllCoreThreads();
  }

  @Override
  protected void doMerge(MergeSource source, MergePolicy.OneMerge merge) throws IOException {
    // CMS starts a thread per merge; the indexer's own thread (a merge it waits for) is never lowered
    if (Thread.currentThread() instanceof MergeThread) {
      if (nice > 0) lower();
      try {
        kernelNice = niceOf(Path.of("/proc/thread-self/stat"));
      } catch (IOException | RuntimeException e) {
        // not Linux: nothing to show
      }
    }
    super.doMerge(source, merge);
    done.incrementAndGet();
  }

  long merges() {
    return done.get();
  }

  /** The kernel's nice value of the last merge thread, or null before the first merge. */
  Integer kernelNice() {
    return kernelNice;
  }

  private void lower() {
    try {
      // "<pid>/task/<tid>"
      String tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
      if (tid.isEmpty() || !tid.chars().allMatch(Character::isDigit)) throw new IOException("unexpected /proc/thread-self: " + tid);
      helper.submit(() -> renice(tid)).get();
    } catch (ExecutionException e) {
      warnOnce(e.getCause());
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      warnOnce(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Void renice(String tid) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("renice", "-n", String.valueOf(nice), "-p", tid)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    if (!p.waitFor(5, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("renice did not finish within 5 s");
    }
    if (p.exitValue() != 0) throw new IOException("renice exited with " + p.exitValue());
    return null;
  }

  private void warnOnce(Throwable e) {
    if (!warned) {
      warned = true;
      Log.warn("merges run at the JVM's priority: could not lower the merge thread's", "nice", nice, "err", String.valueOf(e.getMessage()));
    }
  }

  /** A thread's nice value from the kernel's account of it (the 19th field of its stat, after the name). */
  static int niceOf(Path stat) throws IOException {
    String s = Files.readString(stat);
    String[] fields = s.substring(s.lastIndexOf(')') + 2).split(" ");
    return Integer.parseInt(fields[16]);
  }
}
