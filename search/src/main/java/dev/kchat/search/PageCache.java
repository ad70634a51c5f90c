package dev.kchat.search;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads the index's search files once after a start, so that the first searches find their pages in the
 * operating system's page cache. The index is memory-mapped: a page pushed out of the cache by other work
 * (a database, a rebuild, a backup) is read back on the first search that needs it, one small read at a time
 * — right after a restart of a 10M index, a phrase over 24 messages took 190–200 ms with 2–10 ms of CPU
 * instead of 5–10 ms (BENCHMARKS.md). Elasticsearch has the same remedy ({@code index.store.preload}), there
 * through the mapping, which blocks opening and counts the pages in the process's memory; here a plain
 * sequential read in the background (searches are answered meanwhile) fills the cache without either.
 * Stored fields are left out: a page of results reads 20 documents. The read stops at a budget (by default
 * half of the memory the system has available), so that a node whose index does not fit its memory is not
 * made to thrash.
 */
final class PageCache {
  /** the files a search reads, most needed first: term index and dictionary, postings, points, doc values, small segments' compound files */
  static final List<String> SEARCH_FILES = List.of("tip", "tmd", "tim", "psm", "doc", "pos", "kdi", "kdm", "kdd", "dvm", "dvd", "cfe", "cfs");
  private static final int CHUNK = 1 << 20;

  /** what {@link #read} did: bytes and files read, bytes left unread for the budget */
  record Read(long bytes, int files, long skippedBytes, long ms) {}

  private PageCache() {}

  /** Reads the search files in dir (in the order of {@link #SEARCH_FILES}) until the budget in bytes is spent. */
  static Read read(Path dir, long budget) throws IOException {
    long t0 = System.currentTimeMillis();
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> listing = Files.newDirectoryStream(dir)) {
      for (Path p : listing) if (rank(p) >= 0) files.add(p);
    }
    files.sort(Comparator.comparingInt(PageCache::rank));
    ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK); // outside the heap, reused: nothing is kept
    long read = 0;
    long skipped = 0;
    int count = 0;
    for (Path p : files) {
      try (FileChannel in = FileChannel.open(p, StandardOpenOption.READ)) {
        long size = in.size();
        if (read + size > budget) {
          skipped += size;
          continue;
        }
        while (true) {
          chunk.clear();
          int n = in.read(chunk);
          if (n < 0) break;
          read += n;
        }
        count++;
      } catch (NoSuchFileException e) {
        // merged away since the listing: its pages are of no use any more
      }
    }
    return new Read(read, count, skipped, System.currentTimeMillis() - t0);
  }

  /** Half of the memory the system says it has available (Linux: MemAvailable), or 0 where it does not say. */
  static long budget() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemAvailable:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024 / 2;
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: no budget known, nothing read
    }
    return 0;
  }

  private static int rank(Path p) {
    String name = p.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot < 0 ? -1 : SEARCH_FILES.indexOf(name.substring(dot + 1));
  }
}
