// The consoles' index page: only the language switch.
import { initLanguage } from './lib/i18n.js';

initLanguage();
