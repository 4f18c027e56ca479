// The worker entry when lth runs from source (tests, `node --import tsx`): registers tsx in the
// worker thread, then loads piece-worker.ts. Node 20 does not apply `--import tsx` given in a
// worker's execArgv, so the thread registers it itself. The bundle uses piece-worker.js instead.
import { register } from 'tsx/esm/api';

register();
const { default: runTask } = await import('./piece-worker.ts');

export default runTask;
