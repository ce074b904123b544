// Entry of the Functions host (func start, Azure): registers every definition of the composition root.
import { app } from '@azure/functions';
import { loadConfig } from '../shared/config.js';
import { createApp } from './app.js';
import { registerFunctions } from './register.js';

registerFunctions(app, createApp(loadConfig()).definitions);
