/**
 * The tfjs-backend-wasm set-up moved to src/backend/tfjs-init.ts (the `tfjs-wasm` backend needs
 * it, and src/ must not import from bench/); re-exported here so the peer benches keep their imports.
 */
export { initTfjsWasm, tfjsWasmInfo, type Tf, type TfjsWasmInfo, type TfjsWasmInitOptions } from '../../src/backend/tfjs-init.ts';
