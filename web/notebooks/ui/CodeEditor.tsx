// A CodeMirror 6 editor for one cell (SQL highlighting for sql cells), in the
// page's colours: the highlight style reads CSS variables, so it follows
// light/dark like the rest of the page (styles.css, --cm-*).
import { useEffect, useRef } from 'preact/hooks';
import { EditorView, basicSetup } from 'codemirror';
import { sql as sqlLang } from '@codemirror/lang-sql';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags } from '@lezer/highlight';

const pageColours = syntaxHighlighting(
  HighlightStyle.define([
    { tag: [tags.keyword, tags.operatorKeyword, tags.modifier], color: 'var(--cm-keyword)', fontWeight: '600' },
    { tag: [tags.string, tags.special(tags.string)], color: 'var(--cm-string)' },
    { tag: [tags.number, tags.bool, tags.null], color: 'var(--cm-number)' },
    { tag: [tags.comment, tags.lineComment, tags.blockComment], color: 'var(--cm-comment)', fontStyle: 'italic' },
    { tag: [tags.typeName, tags.function(tags.variableName), tags.standard(tags.name)], color: 'var(--cm-type)' },
    { tag: [tags.special(tags.name), tags.labelName], color: 'var(--cm-param)' },
  ]),
);

const editorTheme = EditorView.theme({
  '&': { backgroundColor: 'var(--bg)', color: 'var(--text)' },
  '.cm-gutters': { backgroundColor: 'var(--bg-soft)', color: 'var(--faint)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine': { backgroundColor: 'color-mix(in srgb, var(--accent) 7%, transparent)' },
  '.cm-activeLineGutter': { backgroundColor: 'color-mix(in srgb, var(--accent) 12%, transparent)' },
  '.cm-cursor': { borderLeftColor: 'var(--text)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground': { backgroundColor: 'color-mix(in srgb, var(--accent) 28%, transparent) !important' },
});

export function CodeEditor({ value, kind, onChange }: { value: string; kind: string; onChange: (v: string) => void }) {
  const host = useRef<HTMLDivElement>(null);
  const changed = useRef(onChange);
  changed.current = onChange;
  useEffect(() => {
    const view = new EditorView({
      doc: value,
      extensions: [basicSetup, editorTheme, pageColours, ...(kind === 'sql' ? [sqlLang()] : []), EditorView.updateListener.of((u) => u.docChanged && changed.current(u.state.doc.toString()))],
      parent: host.current!,
    });
    return () => view.destroy();
    // the editor owns its text after creation
  }, [kind]);
  return <div ref={host} class="editor" />;
}
