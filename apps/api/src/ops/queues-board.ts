import type { BoardOptions } from '@bull-board/api/typings/app';
import { UserRole } from '@app/database';
import { QueueName } from '@app/queue';

export const QUEUES_ROUTE = '/admin/queues';

/** The board's own header: its title, and a way back to the console (its menu of links, at the right). */
export const BOARD_OPTIONS: BoardOptions = {
  uiConfig: {
    boardTitle: 'Newsletter queues',
    miscLinks: [{ text: 'Back to the console', url: '/admin' }],
  },
};

const QUEUES = new Set<string>(Object.values(QueueName));
/**
 * Job states whose jobs are history: removing them in bulk drops no pending work, and running them again is
 * safe (every handler reloads its state and may run twice).
 */
const BULK_RETRY_STATES = new Set(['failed', 'completed']);
const BULK_CLEAN_STATES = new Set(['completed', 'failed']);
/**
 * Every literal path segment of Bull Board's routes (@bull-board/api routes.ts). A job id spelled like one of
 * them could make Express pick another route than the one the allow-list below reasoned about
 * (`/mail/clean/retry` is "clean every job in state retry", not "retry job clean"); Express also matches
 * routes case-insensitively.
 */
const ROUTE_WORDS = new Set([
  'add',
  'clean',
  'concurrency',
  'default-job-options',
  'delay',
  'empty',
  'flow',
  'job-data-schema',
  'job-schedulers',
  'logs',
  'metrics',
  'obliterate',
  'pause',
  'priority',
  'promote',
  'rate-limit',
  'release',
  'remove',
  'remove-unprocessed-children',
  'resume',
  'retry',
  'run',
  'update-data',
  'workers',
]);

function isQueue(segment: string): boolean {
  return QUEUES.has(segment);
}

function isJobId(segment: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return false;
  }
  return decoded !== '' && !ROUTE_WORDS.has(decoded.toLowerCase());
}

/**
 * The board's state-changing routes an admin may call, as [path segments after /api/queues] → allowed.
 * Anything not listed is refused, so a route added by a Bull Board upgrade is closed until someone decides.
 */
function isAdminAction(segments: string[]): boolean {
  const [q, a, b, ...rest] = segments;
  if (rest.length > 0 || q === undefined) return false;
  // PUT /api/queues/pause, /api/queues/resume: every queue at once
  if (a === undefined) return q === 'pause' || q === 'resume';
  if (!isQueue(q)) return false;
  if (b === undefined) return a === 'promote' || a === 'pause' || a === 'resume';
  if (a === 'retry') return BULK_RETRY_STATES.has(b);
  if (a === 'clean') return BULK_CLEAN_STATES.has(b);
  // one job: /:queue/:jobId/(retry|promote|clean)
  return isJobId(a) && (b === 'retry' || b === 'promote' || b === 'clean');
}

/**
 * Who may do what on the board (README "Operations"): reading is open to admin and ops; ops changes nothing;
 * an admin may retry failed jobs, promote delayed ones, remove finished ones and pause or resume queues, but
 * nobody adds a job, edits a job's data, delay or priority, changes a queue's concurrency or rate limit, or
 * empties or obliterates a queue through the board. Returns the reason for a refusal, or undefined.
 * `path` is the request path below the board's mount point, as Bull Board's own router sees it.
 */
export function boardRefusal(role: UserRole, method: string, path: string): string | undefined {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return undefined;
  if (role !== UserRole.Admin) {
    return `The queues are read-only for your role (${role}); retrying, promoting, removing or pausing needs admin`;
  }
  const segments = path.split('/');
  const ok =
    method === 'PUT' &&
    segments[0] === '' &&
    segments[1] === 'api' &&
    segments[2] === 'queues' &&
    isAdminAction(segments.slice(3));
  return ok
    ? undefined
    : 'This action is not available on the board: jobs are added and changed only by the service itself, ' +
        'and queues are not emptied or obliterated here (allowed: retry failed jobs, promote delayed jobs, ' +
        'remove finished jobs, pause and resume)';
}
