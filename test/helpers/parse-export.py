# Reads kchat export files with Python's standard library, as a compliance tool
# would, and prints what it found as JSON (test/export.test.ts compares it).
#   parse-export.py eml FILE…   → [{file, subject, from, to:[…], date, channel, day, events, text, attachment_lines}]
#   parse-export.py mbox FILE   → [{subject, events}] (mailbox.mbox)
#   parse-export.py csv FILE    → {bom, header, rows:[…]}
import csv, email, json, mailbox, sys
from email import policy

def eml(path):
    with open(path, 'rb') as f:
        msg = email.message_from_binary_file(f, policy=policy.default)
    parts = list(msg.iter_parts())
    text = msg.get_body(preferencelist=('plain',)).get_content()
    attachment = [p for p in msg.iter_attachments()]
    lines = attachment[0].get_content() if attachment else b''
    if isinstance(lines, bytes):
        lines = lines.decode('utf-8')
    return {
        'file': path.split('/')[-1],
        'subject': str(msg['subject']),
        'from': str(msg['from']),
        'to': [a.display_name for a in msg['to'].addresses] if msg['to'] else [],
        'date': msg['date'].datetime.isoformat(),
        'message_id': str(msg['message-id']),
        'channel': str(msg['x-kchat-channel']),
        'day': str(msg['x-kchat-day']),
        'events': int(str(msg['x-kchat-events'])),
        'parts': len(parts),
        'defects': len(msg.defects) + sum(len(p.defects) for p in parts),
        'text': text,
        'attachment': [json.loads(l) for l in lines.splitlines() if l],
    }

kind = sys.argv[1]
if kind == 'eml':
    print(json.dumps([eml(p) for p in sys.argv[2:]], ensure_ascii=False))
elif kind == 'mbox':
    box = [email.message_from_bytes(m.as_bytes(), policy=policy.default) for m in mailbox.mbox(sys.argv[2])]
    print(json.dumps([{'subject': str(m['subject']), 'events': int(str(m['x-kchat-events'])), 'text': m.get_body(preferencelist=('plain',)).get_content()} for m in box], ensure_ascii=False))
elif kind == 'csv':
    with open(sys.argv[2], 'rb') as f:
        bom = f.read(3) == b'\xef\xbb\xbf'
    with open(sys.argv[2], newline='', encoding='utf-8-sig') as f:
        rows = list(csv.reader(f))
    print(json.dumps({'bom': bom, 'header': rows[0], 'rows': rows[1:]}, ensure_ascii=False))
