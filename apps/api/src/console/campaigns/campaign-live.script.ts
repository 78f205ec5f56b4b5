/** Served as /admin/assets/campaign-live.js (filled in by the campaigns console). */
export const CAMPAIGN_LIVE_JS = `'use strict';\n`;
