// Composition root of the SPA: read the runtime configuration once, build each dependency once.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { browserScheduler, browserStorage, documentVisibility } from './browser.js';
import { createApiClient } from './lib/api.js';
import { createPoller } from './lib/poller.js';
import { createTransitionStore, TRANSITION_KEY_PREFIX } from './lib/transitionStore.js';
import { loadRuntimeConfig } from './runtimeConfig.js';
import { parsePollOverrides } from './lib/prefs.js';
import { App } from './ui/App.js';
import { ServicesContext, type Services } from './ui/services.js';
import './styles.css';

async function boot() {
  const fetchFn = window.fetch.bind(window);
  const config = await loadRuntimeConfig(document, fetchFn);
  const storage = browserStorage();
  const services: Services = {
    api: createApiClient({ baseUrl: config.apiBase, fetch: fetchFn }),
    poller: createPoller({ scheduler: browserScheduler, visibility: documentVisibility(document) }),
    transitions: createTransitionStore({ storage, now: Date.now }),
    storage,
    now: Date.now,
  };
  // another tab started or finished a transition of the same scope
  window.addEventListener('storage', (event) => {
    if (event.key === null || event.key.startsWith(TRANSITION_KEY_PREFIX)) services.transitions.notifyExternalChange();
  });

  const root = document.getElementById('root');
  if (!root) throw new Error('index.html has no #root element');
  createRoot(root).render(
    <StrictMode>
      <ServicesContext value={services}>
        <App pollOverrides={parsePollOverrides(window.location.search)} />
      </ServicesContext>
    </StrictMode>,
  );
}

void boot();
