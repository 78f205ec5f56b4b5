/** Served as /admin/assets/editions.js (filled in by the editions console). */
export const EDITIONS_JS = `'use strict';\n`;
