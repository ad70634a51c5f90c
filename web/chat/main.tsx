// Entry of the chat page: one store, the login screen until we have a
// session, then the chat.
import { render } from 'preact';
import { ChatStore } from './store.ts';
import { applyTheme, loadTheme } from './theme.ts';
import { App } from './ui/App.tsx';
import { Login } from './ui/Login.tsx';
import { useStore } from './ui/useStore.ts';
import './styles.css';

applyTheme(loadTheme());
const store = new ChatStore();

function Root() {
  useStore(store);
  return store.me && store.token ? <App store={store} /> : <Login store={store} />;
}

render(<Root />, document.getElementById('app')!);
store.boot();
// Tests and the curious can look at the store from the console.
(window as unknown as { kchat: ChatStore }).kchat = store;
