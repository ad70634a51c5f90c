// Entry of the /notebooks page (the auditors' SQL notebooks): sign in with an
// auditor token (kept in localStorage), list notebooks, open one, edit cells
// (CodeMirror 6), run a cell or all with the parameter form, sortable paged
// results, CSV of every row, Plot charts, save, new, reorder. One component
// per file in ui/.
import { render } from 'preact';
import './styles.css';
import { App } from './ui/App.tsx';

render(<App />, document.getElementById('app')!);
