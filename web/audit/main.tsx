// Entry of the /audit page (the auditors' screen): sign in with an auditor or
// admin token, then search (query language, chips, highlights, facets, CSV),
// a message in its conversation, topic statistics with Plot charts, and the
// audit log for admins. Views are deep links (web/audit/route.ts); one
// component per file in ui/.
import { render } from 'preact';
import './styles.css';
import { App } from './ui/App.tsx';

render(<App />, document.getElementById('app')!);
