/** lth's version, as package.json says (test/infer/onnx.test.ts checks they agree). */
export const LTH_VERSION = '0.1.0';
