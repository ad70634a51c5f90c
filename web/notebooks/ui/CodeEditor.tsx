// A CodeMirror 6 editor for one cell (SQL highlighting for sql cells).
import { useEffect, useRef } from 'preact/hooks';
import { EditorView, basicSetup } from 'codemirror';
import { sql as sqlLang } from '@codemirror/lang-sql';

export function CodeEditor({ value, kind, onChange }: { value: string; kind: string; onChange: (v: string) => void }) {
  const host = useRef<HTMLDivElement>(null);
  const changed = useRef(onChange);
  changed.current = onChange;
  useEffect(() => {
    const view = new EditorView({
      doc: value,
      extensions: [basicSetup, ...(kind === 'sql' ? [sqlLang()] : []), EditorView.updateListener.of((u) => u.docChanged && changed.current(u.state.doc.toString()))],
      parent: host.current!,
    });
    return () => view.destroy();
    // the editor owns its text after creation
  }, [kind]);
  return <div ref={host} class="editor" />;
}
