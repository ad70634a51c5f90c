package dev.kchat.search;

import java.util.ArrayList;
import java.util.List;

/**
 * The state of one indexed message (one Lucene document per message id):
 * what the envelope said, plus what later events did to it. Edits keep every
 * earlier text in {@link #versions} (auditors match them); a delete only
 * flags. A placeholder ({@link #pending}) holds edits/deletes that arrived
 * before their message (e.g. an import replayed out of order) and never
 * matches a search until the message itself arrives.
 */
final class Message {
  /** An earlier text of an edited message, when it was written, and the event that wrote it. */
  record Version(String text, long ts, String by) {}

  String id;
  String type;
  String channel;
  String userId;
  String nick;
  /** the current text (the last edit's, or the message's own) */
  String text;
  /** when the current text was written (the message's ts, or the last edit's) */
  long textTs;
  /** the id of the event that wrote the current text (the message's own id, or the last edit's) */
  String textBy;
  long ts;
  String replyTo;
  /** `meta.visible_to`: an ephemeral answer for these users only (null = everyone) */
  List<String> visibleTo;
  final List<Version> versions = new ArrayList<>();
  Long deletedTs;
  String deletedBy;
  /** Kafka coordinates of the message itself */
  int partition = -1;
  long offset = -1;
  /** a placeholder: edits/deletes seen, the message not yet */
  boolean pending;
  /** the events a placeholder holds, as their JSON, applied once the message arrives */
  final List<String> pendingOps = new ArrayList<>();

  boolean edited() {
    return !versions.isEmpty();
  }

  boolean deleted() {
    return deletedTs != null;
  }

  /** Needs the careful path when a copy of its message comes again (not a plain replace). */
  boolean special() {
    return pending || edited() || deleted();
  }

  /** Apply an edit (once: the same edit event again changes nothing): the current text becomes a version, the new text current. */
  void edit(String editId, String newText, long at) {
    if (editId.equals(textBy)) return;
    for (Version v : versions) if (editId.equals(v.by())) return;
    versions.add(new Version(text, textTs, textBy));
    text = newText;
    textTs = at;
    textBy = editId;
  }

  void delete(long at, String by) {
    if (deletedTs == null) {
      deletedTs = at;
      deletedBy = by;
    }
  }
}
