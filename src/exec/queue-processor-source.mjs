// The sandboxed processor when lth runs from source (node --import tsx): a worker thread does not
// inherit tsx's loader, so this file registers it in the thread and re-exports the TypeScript
// processor. The bundled CLI loads dist/cli/queue-processor.js instead and needs no shim.
import { register } from 'tsx/esm/api';

register();
const { default: processPiece } = await import('./queue-processor.ts');
export default processPiece;
